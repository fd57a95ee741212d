"""Gate and lead scanner pages in real Chromium: the gate's camera reads a printed badge
(rendered by the badge PDF code, rasterized, filmed by a fake camera) with zxing-wasm and
admits it; the lead scanner keeps scans while offline and sends them once."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.badges import pdf, qr
from expo_crm.badges.models import Badge
from expo_crm.directory.models import Company, Person
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory
from tests.kiosk.browser import require_chromium, rows, staff_page
from tests.kiosk.cardimage import write_y4m
from tests.kiosk.live_server import SECRET_KEY

pytestmark = pytest.mark.browser
require_chromium(qr_reader=True)

PASSWORD = "staff-password"  # noqa: S105  (a throwaway test login)


@pytest.fixture(scope="module")
def show_today(live: dict) -> dict:
    """An edition open today, a visitor with a badge, a gate user and an exhibitor's scanner."""
    today = datetime.now(UTC).date()
    with Session(live["engine"]) as session:
        show = Show(
            code="GATE", name="ExpoTech Gate", year=today.year, venue="Hall", city="SP",
            country="BR", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1),
            currency="BRL", phone_region="BR", timezone="UTC",
        )  # fmt: skip
        exhibitor = Company(name="Booth Robotics", normalized_name="booth robotics")
        visitor = Person(full_name="Maria Oliveira", first_name="Maria", last_name="Oliveira")
        session.add_all([show, exhibitor, visitor])
        session.flush()
        registration = Registration(
            show_id=show.id,
            person_id=visitor.id,
            category=VisitorCategory.TRADE,
            source=RegistrationSource.PREREGISTERED,
            answers={},
        )
        session.add(registration)
        session.flush()
        badge_id, code = qr.new_code(SECRET_KEY)
        session.add(Badge(id=badge_id, code=code, registration_id=registration.id, show_id=show.id))
        for email, role, company in (
            ("gate@test.example", Role.ONSITE, None),
            ("booth@test.example", Role.SCANNER, exhibitor.id),
        ):
            user = User(email=email, name=email, role=role, company_id=company)
            user.set_password(PASSWORD)
            session.add(user)
        session.commit()
        return {"badge_id": badge_id, "code": code, "show": show.name}


def badge_photo(code: str, show: str) -> Image.Image:
    """The visitor's printed A6 badge (the real badge PDF, rasterized) held to the camera."""
    face = pdf.BadgeFace(
        code=code, name="Maria Oliveira", company="Oliveira Importadora", country="Brazil",
        category="trade", category_label="TRADE VISITOR", show_name=show, size="a6",
        band_color="#1f4e79", text_color="#ffffff",
    )  # fmt: skip
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils must be installed (scripts/setup.sh)"
    png = subprocess.run(  # noqa: S603  (poppler's pdftoppm on our own PDF)
        [pdftoppm, "-r", "150", "-png", "-singlefile"],
        input=pdf.render_pdf([face]),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    badge = Image.open(BytesIO(png)).convert("RGB")
    scale = 700 / badge.height
    badge = badge.resize((round(badge.width * scale), 700), Image.Resampling.LANCZOS)
    photo = Image.new("RGB", (1280, 720), (70, 60, 50))  # a desk behind the badge
    photo.paste(badge, ((1280 - badge.width) // 2, 10))
    return photo


def test_gate_camera_reads_a_printed_badge_with_zxing_wasm(pw, live, show_today, tmp_path):
    video = write_y4m(tmp_path / "badge.y4m", image=badge_photo(show_today["code"], "ExpoTech"))
    with staff_page(pw, live, "gate@test.example", PASSWORD, "/badges/gate", video) as page:
        page.fill("#gate-name", "North 1")
        page.click("#camera-toggle")
        page.wait_for_selector("#verdict.admitted", timeout=30000)
        assert page.inner_text("#verdict .verdict-title") == "Admitted"
        assert page.inner_text("#verdict .verdict-name") == "Maria Oliveira"
        assert page.inner_text("#admitted-count") == "1"
        # No native BarcodeDetector here: the code was read by the app's own zxing-wasm.
        assert page.evaluate("'BarcodeDetector' in window") is False
        fetched = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        assert any(url.endswith("/static/vendor/zxing-wasm/zxing_reader.wasm") for url in fetched)
    stored = rows(live, "SELECT badge_id, gate FROM checkins")
    assert [tuple(row) for row in stored] == [(show_today["badge_id"], "North 1")]
    (checked_in,) = rows(
        live,
        "SELECT r.checked_in_at FROM registrations r JOIN badges b ON b.registration_id = r.id"
        " WHERE b.id = :badge",
        badge=show_today["badge_id"],
    )
    assert checked_in[0] is not None


def test_lead_scanner_keeps_scans_offline_and_sends_them_once(pw, live, show_today):
    with staff_page(pw, live, "booth@test.example", PASSWORD, "/badges/leads/scan") as page:
        page.evaluate("localStorage.clear()")
        page.reload()
        # Back online later, the first answer to the queue is lost on the way back: the
        # server stores the lead, the page keeps the queue and sends it again.
        lost: list[int] = []

        def lose_answer(route: object) -> None:
            response = route.fetch()  # the server gets the queue and answers...
            lost.append(response.status)
            route.abort()  # ...but the answer never reaches the page

        page.route("**/badges/leads/capture/batch", lose_answer)
        # The network is down: the scan stays on the device, and the page says so.
        page.route("**/badges/leads/capture", lambda route: route.abort())
        page.fill("#wedge", show_today["code"])
        page.press("#wedge", "Enter")
        page.wait_for_selector("#verdict.offline")
        assert page.inner_text("#queue-count") == "1"
        assert page.evaluate("window.expoLeadQueue.size()") == 1
        page.unroute("**/badges/leads/capture")
        page.evaluate("window.expoLeadQueue.flush()")
        page.wait_for_function("() => document.querySelector('#net-state.offline')")
        page.wait_for_function("() => !window.expoLeadQueue.busy()")
        assert set(lost) == {200}  # answered (once, or again by the page's timer)
        assert page.inner_text("#queue-count") == "1"
        page.unroute("**/badges/leads/capture/batch")
        page.evaluate("window.expoLeadQueue.flush()")
        page.wait_for_function("() => document.querySelector('#queue-count').textContent === '0'")
        assert page.inner_text("#net-state") == "Online"
    assert rows(live, "SELECT count(*) FROM leads")[0][0] == 1
    assert rows(live, "SELECT scan_count FROM leads")[0][0] == 1
    assert rows(live, "SELECT count(*) FROM lead_scans")[0][0] == 1


def test_lead_scanner_drops_the_previous_leads_link_after_a_refused_scan(pw, live, show_today):
    """After a good scan, then a refused one, no link may lead to the previous visitor."""
    link = "#lead-link"
    with staff_page(pw, live, "booth@test.example", PASSWORD, "/badges/leads/scan") as page:
        assert not page.is_visible(link)  # nothing scanned yet: nothing to rate
        page.fill("#wedge", show_today["code"])
        page.press("#wedge", "Enter")
        page.wait_for_selector("#verdict.admitted")
        assert page.is_visible(link)
        (lead_id,) = rows(live, "SELECT id FROM leads")[0]
        assert page.get_attribute(link, "href").endswith(f"/badges/leads/{lead_id}")
        page.fill("#wedge", "NOT-A-BADGE")
        page.press("#wedge", "Enter")
        page.wait_for_selector("#verdict.refused")
        assert not page.is_visible(link)
        assert page.get_attribute(link, "href") is None
