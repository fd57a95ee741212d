"""The kiosk reads a pre-registration's confirmation QR code with its camera (real Chromium).

Needs no OCR: a visitor registers on the public page, the fake camera then films a QR code
of their confirmation code (made with ``qrcode``), and the kiosk goes on with their details.
"""

from __future__ import annotations

import pytest

from tests.kiosk.browser import CHROMIUM, kiosk_page, require_chromium, rows
from tests.kiosk.cardimage import qr_photo, write_y4m
from tests.kiosk.flow import answer_questions

pytestmark = pytest.mark.browser
require_chromium(qr_reader=True)


def preregister(
    pw: object,
    live: dict,
    name: str = "Mei Tanaka",
    email: str = "mei@tanaka-robotics.example",
) -> str:
    """Register on the public page as a visitor would; return the confirmation code shown."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    try:
        page = browser.new_page()
        page.set_default_timeout(15000)
        page.goto(live["url"] + "/visitors/register/LIVE")
        page.fill("#name", name)
        page.fill("#email", email)
        page.fill("#company", "Tanaka Robotics")
        page.check("input[name=industry][value='Electronics']")
        page.check("input[name=job_function][value='Purchasing']")
        page.check("input[name=consent_marketing]")
        page.click("button.primary")
        return page.inner_text("#confirmation-code").strip()
    finally:
        browser.close()


def test_scanned_confirmation_qr_prefills_and_registers_the_same_person(pw, live, tmp_path):
    code = preregister(pw, live)
    assert len(code) == 8
    video = write_y4m(tmp_path / "qr.y4m", image=qr_photo(code))
    with kiosk_page(pw, live, video) as page:
        page.click("#step-welcome [data-go=code]")
        page.wait_for_selector("#step-review:not([hidden])")  # no typing: the camera read it
        assert page.input_value("#f-name") == "Mei Tanaka"
        assert page.input_value("#f-emails") == "mei@tanaka-robotics.example"
        assert page.input_value("#f-company") == "Tanaka Robotics"
        assert page.is_visible("#returning")
        page.click("#review-form button[type=submit]")
        page.wait_for_selector("#step-questions:not([hidden])")
        assert page.is_checked("#q-industry-Electronics")  # answered online, kept
        answer_questions(page)
        assert page.is_checked("#consent-marketing")
        page.click("#print-badge")
        page.wait_for_selector("#step-done:not([hidden])")
        assert "Mei Tanaka" in page.inner_text("#done-name")
        registration_id = page.evaluate("document.body.dataset.registration")
    (reg,) = rows(
        live,
        "SELECT r.id, r.confirmation_code, r.source, r.industry FROM registrations r "
        "JOIN people p ON p.id = r.person_id WHERE p.email = 'mei@tanaka-robotics.example'",
    )
    assert (str(reg[0]), reg[1], reg[2], reg[3]) == (
        registration_id,
        code,
        "preregistered",
        "Electronics",
    )
    assert rows(live, "SELECT count(*) FROM people")[0][0] == 1


def test_confirmation_qr_held_to_the_card_camera_is_recognised_too(pw, live, tmp_path):
    """A pre-registered visitor who tapped Start (card scan) instead of "I registered online"."""
    code = preregister(pw, live, "Omar Haddad", "omar@haddad-trading.example")
    video = write_y4m(tmp_path / "qr-card-step.y4m", image=qr_photo(code))
    with kiosk_page(pw, live, video) as page:
        page.click("#step-welcome [data-go=scan]")
        page.wait_for_selector("#step-review:not([hidden])")
        assert page.input_value("#f-name") == "Omar Haddad"
        assert page.evaluate("window.kiosk.state().code") == code
        assert page.evaluate("window.kiosk.state().captureId") is None  # no card was stored
    assert rows(live, "SELECT count(*) FROM card_captures")[0][0] == 0


def test_unknown_qr_code_shows_a_clear_message_and_stays(pw, live, tmp_path):
    before = rows(live, "SELECT count(*) FROM registrations")[0][0]
    video = write_y4m(tmp_path / "unknown.y4m", image=qr_photo("ZZZZ2345"))
    with kiosk_page(pw, live, video) as page:
        page.click("#step-welcome [data-go=code]")
        message = page.wait_for_selector("#message:not([hidden])")
        assert "confirmation code is not known" in message.inner_text()
        assert page.input_value("#code-input") == "ZZZZ2345"  # what was read, for the visitor
        assert page.is_visible("#step-code")
    assert rows(live, "SELECT count(*) FROM registrations")[0][0] == before
