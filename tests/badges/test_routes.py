"""Badge pages and JSON endpoints through the client: roles, CSRF, validation, exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.badges import issuing, leads, printing, scans
from expo_crm.badges.models import Badge, CheckIn, Lead, LeadRating
from expo_crm.visitors.models import VisitorCategory

SHOW_DAY = datetime(2026, 10, 7, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(scans, "utcnow", lambda: SHOW_DAY)


@pytest.fixture
def gate_client(as_role):
    return as_role(Role.ONSITE)


def count(db, column) -> int:
    return db.scalar(select(func.count(column)))


# -- gate ---------------------------------------------------------------------------------


def test_gate_page_serves_the_scanner_without_a_cdn(gate_client) -> None:
    page = gate_client.get("/badges/gate")
    assert page.status_code == 200
    assert "/static/vendor/zxing-wasm/reader.js" in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")
    assert "https://" not in page.text


def test_scan_json_admits_and_refuses(db, gate_client, badge) -> None:
    ok = gate_client.post("/badges/scan", json={"code": badge.code, "gate": "North"})
    assert ok.status_code == 200
    assert ok.json["admitted"] is True
    assert ok.json["name"] == "Ana Silva"
    again = gate_client.post("/badges/scan", json={"code": badge.code, "gate": "North"})
    assert again.json["verdict"] == "repeat"
    forged = gate_client.post("/badges/scan", json={"code": "A" * 24, "gate": "North"})
    assert forged.json == forged.json | {"admitted": False, "verdict": "forged"}
    assert count(db, CheckIn.id) == 1


def test_scan_validation(db, gate_client, badge) -> None:
    assert gate_client.post("/badges/scan", data="nope").status_code == 400
    missing_gate = gate_client.post(
        "/badges/scan", json={"code": badge.code}, headers={"Accept": "application/json"}
    )
    assert missing_gate.status_code == 422
    assert "gate" in missing_gate.json["error"]["message"]
    bad_time = gate_client.post(
        "/badges/scan",
        json={"code": badge.code, "gate": "N", "scanned_at": "yesterday"},
        headers={"Accept": "application/json"},
    )
    assert bad_time.status_code == 422
    assert count(db, CheckIn.id) == 0


def test_offline_batch_is_idempotent(db, gate_client, badge, create_registration) -> None:
    other = issuing.issue_badge(db, create_registration("Bruno Costa"))
    scans = [
        {
            "code": badge.code,
            "gate": "North",
            "scanned_at": "2026-10-07T12:00:00Z",
            "client_uuid": "0b7c6f7e-0000-4000-8000-000000000001",
        },
        {
            "code": other.code,
            "gate": "North",
            "scanned_at": "2026-10-07T12:00:05Z",
            "client_uuid": "0b7c6f7e-0000-4000-8000-000000000002",
        },
    ]
    first = gate_client.post("/badges/scan/batch", json={"scans": scans})
    assert [r["verdict"] for r in first.json["results"]] == ["admitted", "admitted"]
    second = gate_client.post("/badges/scan/batch", json={"scans": scans})
    assert [r["verdict"] for r in second.json["results"]] == ["repeat", "repeat"]
    assert count(db, CheckIn.id) == 2
    too_many = gate_client.post("/badges/scan/batch", json={"scans": [scans[0]] * 501})
    assert too_many.status_code == 400


def test_scan_needs_the_csrf_header(app, db, gate_client, badge) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = gate_client.post(
            "/badges/scan",
            json={"code": badge.code, "gate": "North"},
            headers={"Accept": "application/json"},
        )
        assert refused.status_code == 400
        page = gate_client.get("/badges/gate")
        token = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
        ok = gate_client.post(
            "/badges/scan",
            json={"code": badge.code, "gate": "North"},
            headers={"X-CSRFToken": token},
        )
        assert ok.status_code == 200
        assert ok.json["admitted"] is True
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# -- roles --------------------------------------------------------------------------------


def test_gate_staff_cannot_see_leads(gate_client, badge, db, create_user) -> None:
    scanner = create_user(Role.SCANNER)
    with gate_client.application.test_request_context():
        lead = leads.capture_lead(db, scanner, badge.code)
    for url in (
        "/badges/leads",
        f"/badges/leads/{lead.id}",
        "/badges/leads?format=csv",
        "/badges/exhibitor-leads",
    ):
        assert gate_client.get(url).status_code == 403, url
    assert gate_client.post("/badges/leads/capture", json={"code": badge.code}).status_code == 403


def test_scanners_see_only_their_company_leads(db, as_role, create_user, create_registration):
    mine = create_user(Role.SCANNER)
    theirs = create_user(Role.SCANNER)
    visitor = issuing.issue_badge(db, create_registration("Carla Dias"))
    with_app = as_role  # noqa: F841  (keeps the fixture order explicit)
    from flask import current_app

    with current_app.test_request_context():
        their_lead = leads.capture_lead(db, theirs, visitor.code)
    client = with_app(Role.SCANNER, company_id=mine.company_id)
    captured = client.post("/badges/leads/capture", json={"code": visitor.code})
    assert captured.status_code == 200
    assert captured.json["name"] == "Carla Dias"
    assert captured.json["email"] is None  # no consent to share
    assert client.get(f"/badges/leads/{their_lead.id}").status_code == 404
    listing = client.get("/badges/leads?format=csv").text
    assert listing.count("Carla Dias") == 1
    assert count(db, Lead.id) == 2


def test_lead_queue_sent_twice_is_stored_once(db, as_role, create_user, badge) -> None:
    client = as_role(Role.SCANNER)
    queue = {
        "scans": [
            {"code": badge.code, "scanned_at": "2026-10-07T12:40:00Z", "client_uuid": "lead-q-1"},
            {"code": "BROKEN", "scanned_at": "2026-10-07T12:41:00Z", "client_uuid": "lead-q-2"},
            {"code": badge.code, "scanned_at": "2026-10-07T12:50:00Z", "client_uuid": "lead-q-3"},
        ]
    }
    first = client.post("/badges/leads/capture/batch", json=queue)
    again = client.post("/badges/leads/capture/batch", json=queue)
    assert first.status_code == again.status_code == 200
    for answer in (first.json, again.json):
        ok = [r["ok"] for r in answer["results"]]
        assert ok == [True, False, True]
        assert [r["client_uuid"] for r in answer["results"]] == ["lead-q-1", "lead-q-2", "lead-q-3"]
        assert answer["results"][2]["lead"]["name"] == "Ana Silva"
        assert answer["results"][2]["lead"]["scan_count"] == 2
        assert answer["results"][1]["error"]
    assert count(db, Lead.id) == 1
    assert db.scalar(select(Lead.scan_count)) == 2
    # Followed by the live capture of another scan of the same visitor.
    live = client.post(
        "/badges/leads/capture", json={"code": badge.code, "client_uuid": "lead-live-1"}
    )
    assert live.json["scan_count"] == 3
    too_many = {"scans": [{"code": badge.code}] * 501}
    assert client.post("/badges/leads/capture/batch", json=too_many).status_code == 400
    gate = as_role(Role.ONSITE)
    assert gate.post("/badges/leads/capture/batch", json=queue).status_code == 403


def test_lead_scanner_page_shows_the_offline_queue(as_role) -> None:
    page = as_role(Role.SCANNER).get("/badges/leads/scan").text
    assert 'id="queue-count"' in page
    assert 'data-batch-url="/badges/leads/capture/batch"' in page


def test_kiosk_cannot_list_people_or_badges(as_role, badge) -> None:
    kiosk = as_role(Role.KIOSK)
    for url in (
        "/badges/",
        "/badges/?q=Ana",
        f"/badges/registrations/{badge.registration_id}",
        "/badges/attendance",
        "/badges/leads",
        "/badges/gate",
    ):
        assert kiosk.get(url).status_code == 403, url


# -- organizer ----------------------------------------------------------------------------


def test_desk_search_print_and_reissue(db, as_role, badge) -> None:
    client = as_role(Role.ONSITE)
    found = client.get(f"/badges/?q=ana&show={badge.registration.show.code}")
    assert "Ana Silva" in found.text
    by_code = client.get(f"/badges/?q={badge.code}")
    assert f"/badges/registrations/{badge.registration_id}" in by_code.text
    first = client.post(f"/badges/{badge.id}/print", data={"size": "4x3"})
    assert first.mimetype == "application/pdf"
    assert "X-Reprint-Warning" not in first.headers
    client.post(f"/badges/{badge.id}/print", data={"size": ""})
    third = client.post(f"/badges/{badge.id}/print", data={"size": ""})
    assert third.headers["X-Reprint-Warning"] == "This badge was already printed twice."
    desk = client.get(f"/badges/registrations/{badge.registration_id}")
    assert "already printed 3 times" in desk.text
    refused = client.post(f"/badges/{badge.id}/reissue", data={"reason": ""})
    assert refused.status_code == 302
    assert badge.revoked_at is None
    client.post(f"/badges/{badge.id}/reissue", data={"reason": "lost"})
    assert badge.revoked_at is not None
    assert count(db, Badge.id) == 2
    scan = as_role(Role.ONSITE).post("/badges/scan", json={"code": badge.code, "gate": "N"})
    assert scan.json["verdict"] == "revoked"


def test_layouts_and_preview(db, as_role, show) -> None:
    client = as_role(Role.SALES)
    page = client.get("/badges/layouts")
    assert page.status_code == 200
    bad = client.post(
        "/badges/layouts",
        data={
            "which": "vip",
            "vip-size": "a6",
            "vip-band_color": "gold",
            "vip-text_color": "#000000",
        },
    )
    assert bad.status_code == 200
    assert "#rrggbb" in bad.text
    saved = client.post(
        "/badges/layouts",
        data={
            "which": "vip",
            "vip-size": "4x3",
            "vip-band_color": "#c9a227",
            "vip-text_color": "#000000",
            "vip-valid_days": ["2026-10-06"],
        },
    )
    assert saved.status_code == 302
    layout = printing.layout_for(db, show.id, VisitorCategory.VIP)
    assert layout.size.value == "4x3"
    assert layout.valid_days == ["2026-10-06"]
    preview = client.get("/badges/layouts/vip/preview.png?size=a6&band=%23ff0000")
    assert preview.mimetype == "image/png"
    assert preview.data.startswith(b"\x89PNG")
    assert client.get("/badges/layouts/vip/preview.png?band=red").status_code == 422
    assert client.get("/badges/layouts/alien/preview.png").status_code == 404
    assert as_role(Role.ONSITE).get("/badges/layouts").status_code == 403


def test_bulk_route_submits_a_job(db, as_role, show, monkeypatch) -> None:
    from expo_crm.jobs import services as job_services

    started = []
    monkeypatch.setattr(job_services, "dispatch", started.append)
    client = as_role(Role.ONSITE)
    response = client.post("/badges/bulk", data={"order": "company", "unprinted_only": "y"})
    (job,) = started
    assert response.location.endswith(f"/jobs/{job.id}")
    assert job.params == job.params | {
        "show_id": show.id,
        "order": "company",
        "unprinted_only": True,
    }
    assert client.post("/badges/bulk", data={"order": "age"}).status_code == 302
    assert len(started) == 1


def test_bulk_task_reports_progress_and_writes_the_pdf(
    db, show, create_registration, tmp_path
) -> None:
    from expo_crm.badges.jobs import bulk_print_task

    for name in ("Zoë Adams", "Ana Costa", "Bruno Brito"):
        create_registration(name)
    reports = []

    class Report:
        def __call__(self, done, total=None, message="", force=False):
            reports.append((done, total))

        def output_path(self, name):
            return tmp_path / name

    outcome = bulk_print_task(db, Report(), show_id=show.id, order="surname", processes=1)
    assert outcome["summary"] == {"badges": 3, "reprints": 0}
    assert reports[0] == (0, 3)
    assert reports[-1] == (3, 3)
    assert (tmp_path / "badges-EXPO2026-surname.pdf").read_bytes().startswith(b"%PDF")
    again = bulk_print_task(db, Report(), show_id=show.id, order="surname", processes=1)
    assert again["summary"] == {"badges": 3, "reprints": 3}
    assert "printed before" in again["message"]
    assert count(db, Badge.id) == 3


def test_attendance_and_exhibitor_exports(db, as_role, badge, create_user) -> None:
    onsite = as_role(Role.ONSITE)
    onsite.post("/badges/scan", json={"code": badge.code, "gate": "North"})
    csv_text = onsite.get("/badges/attendance?format=csv").text
    assert "2026-10-07,North,1,1" in csv_text
    scanner = create_user(Role.SCANNER)
    from flask import current_app

    with current_app.test_request_context():
        lead = leads.capture_lead(db, scanner, badge.code)
        leads.qualify_lead(db, lead, rating=LeadRating.HOT, notes="", answers={})
    sales = as_role(Role.SALES)
    workbook = load_workbook(io.BytesIO(sales.get("/badges/exhibitor-leads?format=xlsx").data))
    rows = list(workbook.active.values)
    assert rows[1][1:4] == (1, 1, 0)


def test_lead_form_and_vcard(db, as_role, create_registration) -> None:
    visitor = issuing.issue_badge(
        db, create_registration("Ana Silva", consent_share=True, phone="+5511999990000")
    )
    client = as_role(Role.SCANNER)
    lead_id = client.post("/badges/leads/capture", json={"code": visitor.code}).json["id"]
    client.post(
        "/badges/leads/questions",
        data={"text": "Budget?", "kind": "choice", "choices": "small\nlarge"},
    )
    page = client.get(f"/badges/leads/{lead_id}")
    assert "Budget?" in page.text
    qid = page.text.split('name="q', 1)[1].split('"', 1)[0]
    saved = client.post(
        f"/badges/leads/{lead_id}",
        data={"rating": "hot", "notes": "Call; back, soon", f"q{qid}": "large"},
    )
    assert saved.status_code == 302
    refused = client.post(f"/badges/leads/{lead_id}", data={"rating": "hot", f"q{qid}": "huge"})
    assert refused.status_code == 302  # a refused change goes back with a message
    lead = db.get(Lead, lead_id)
    assert lead.answers == {qid: "large"}
    card = client.get("/badges/leads?format=vcf").text
    assert "BEGIN:VCARD\r\nVERSION:3.0\r\n" in card
    assert "TEL;TYPE=WORK:+5511999990000" in card
    assert "NOTE:Hot / Call\\; back\\, soon" in card
    assert client.get("/badges/leads/capture").status_code == 405
    bad = client.post(
        "/badges/leads/capture", json={"code": "nonsense"}, headers={"Accept": "application/json"}
    )
    assert bad.status_code == 422
