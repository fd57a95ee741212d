"""Badge codes, issue/revoke/reissue, gate check-in rules and idempotency, leads and consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from expo_crm.badges import checkin, issuing, leads, printing, qr, rules, scans
from expo_crm.badges.checkin import Verdict
from expo_crm.badges.models import (
    BadgeSize,
    CheckIn,
    Lead,
    LeadQuestionKind,
    LeadRating,
    LeadScan,
)
from expo_crm.badges.scans import Scan
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.followup import engagement
from expo_crm.visitors.models import VisitorCategory

pytestmark = pytest.mark.usefixtures("request_ctx")

SHOW_DAY = datetime(2026, 10, 7, 13, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Freeze the scans' clock on a show day; return a setter."""
    now = {"t": SHOW_DAY}
    monkeypatch.setattr(scans, "utcnow", lambda: now["t"])

    def set_time(value: datetime) -> None:
        now["t"] = value

    return set_time


def checkins(db) -> int:
    return db.scalar(select(func.count(CheckIn.id)))


# -- codes --------------------------------------------------------------------------------


def test_code_is_short_alphanumeric_and_signed() -> None:
    badge_id, code = qr.new_code("secret")
    assert len(code) == 24
    assert code.isalnum()
    assert code == code.upper()
    assert code.startswith(badge_id)
    assert len(badge_id) == 16
    assert qr.verify("secret", code) == badge_id
    assert qr.verify("other secret", code) is None


@pytest.mark.parametrize("position", [0, 10, 23])
def test_altered_code_fails_the_signature(position: int) -> None:
    _badge_id, code = qr.new_code("secret")
    swapped = "B" if code[position] == "A" else "A"
    assert qr.verify("secret", code[:position] + swapped + code[position + 1 :]) is None


@pytest.mark.parametrize("junk", ["", "ABC", "!" * 24, "é" * 24, "a" * 200])
def test_garbage_is_not_a_code(junk: str) -> None:
    assert qr.verify("secret", junk) is None


def test_codes_are_random(db, create_registration) -> None:
    ids = {issuing.issue_badge(db, create_registration(f"P {i}")).id for i in range(5)}
    assert len(ids) == 5


# -- issue, revoke, reissue, prints -------------------------------------------------------


def test_issue_is_idempotent_and_reissue_changes_the_code(db, create_registration, clock) -> None:
    registration = create_registration()
    badge = issuing.issue_badge(db, registration)
    assert issuing.issue_badge(db, registration) is badge
    new = issuing.reissue_badge(db, badge, None, "lost")
    assert new.code != badge.code
    assert badge.revoked_at is not None
    assert issuing.active_badge(db, registration.id) is new
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.REVOKED
    assert checkin.check_in(db, new.code, "North").verdict == Verdict.ADMITTED
    with pytest.raises(Conflict):
        issuing.revoke_badge(db, badge, None, "again")


def test_reprints_are_counted_and_warned(db, badge) -> None:
    assert printing.record_print(db, badge) is None
    assert printing.record_print(db, badge) == "This badge was already printed once."
    assert printing.record_print(db, badge) == "This badge was already printed twice."
    assert badge.print_count == 3


def test_revoked_badge_cannot_be_printed(db, badge) -> None:
    issuing.revoke_badge(db, badge, None, "stolen")
    with pytest.raises(Conflict):
        printing.record_print(db, badge)


def test_bulk_order_by_surname_and_company(db, create_registration, show) -> None:
    create_registration("Zoë Adams", company="Beta Ltd")
    create_registration("Ana Costa", company="Alpha SA")
    create_registration("Bruno Brito", company="Gamma Inc")
    by_surname = printing.bulk_badges(db, show, order="surname")
    assert [b.registration.person.last_name for b in by_surname] == ["Adams", "Brito", "Costa"]
    by_company = printing.bulk_badges(db, show, order="company")
    assert [b.registration.company.name for b in by_company] == [
        "Alpha SA",
        "Beta Ltd",
        "Gamma Inc",
    ]
    with pytest.raises(ValidationError):
        printing.bulk_badges(db, show, order="age")


def test_layout_validation(db, show) -> None:
    with pytest.raises(ValidationError):
        printing.save_layout(
            db, show, VisitorCategory.VIP, size=BadgeSize.A6, band_color="red", text_color="#fff"
        )
    with pytest.raises(ValidationError):
        printing.save_layout(
            db,
            show,
            VisitorCategory.VIP,
            size=BadgeSize.A6,
            band_color="#aa0000",
            text_color="#ffffff",
            valid_days=[date(2026, 1, 1)],
        )
    layout = printing.save_layout(
        db,
        show,
        VisitorCategory.VIP,
        size=BadgeSize.IN4X3,
        band_color="#AA0000",
        text_color="#ffffff",
    )
    assert printing.layout_for(db, show.id, VisitorCategory.VIP) is layout
    assert layout.band_color == "#aa0000"


# -- check-in -----------------------------------------------------------------------------


def test_check_in_admits_once_per_gate_window(db, badge, clock) -> None:
    first = checkin.check_in(db, badge.code, "North")
    assert first.verdict == Verdict.ADMITTED
    assert first.name == "Ana Silva"
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.REPEAT
    clock(SHOW_DAY + timedelta(seconds=90))  # crosses a bucket edge, still inside the window
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.REPEAT
    assert checkins(db) == 1
    assert checkin.check_in(db, badge.code, "South").verdict == Verdict.ADMITTED
    clock(SHOW_DAY + timedelta(minutes=30))
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.ADMITTED
    assert checkins(db) == 3
    assert badge.registration.checked_in_at is not None


def test_refusals(db, badge, clock) -> None:
    forged = badge.code[:-1] + ("A" if badge.code[-1] != "A" else "B")
    assert checkin.check_in(db, forged, "North").verdict == Verdict.FORGED
    assert checkin.check_in(db, "hello", "North").verdict == Verdict.UNKNOWN
    _id, unknown = qr.new_code("test-secret-key")  # well signed, never issued
    assert checkin.check_in(db, unknown, "North").verdict == Verdict.UNKNOWN
    clock(datetime(2026, 10, 12, 12, tzinfo=UTC))
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.WRONG_DAY
    assert checkins(db) == 0


def test_scanner_noise_around_the_code_is_tolerated(db, badge, clock) -> None:
    assert checkin.check_in(db, f"  {badge.code.lower()}\n", "North").admitted


def test_category_days(db, show, create_registration, clock) -> None:
    printing.save_layout(
        db,
        show,
        VisitorCategory.PUBLIC,
        size=BadgeSize.A6,
        band_color="#2e7d32",
        text_color="#ffffff",
        valid_days=[date(2026, 10, 9)],
    )
    public = issuing.issue_badge(db, create_registration(category=VisitorCategory.PUBLIC))
    result = checkin.check_in(db, public.code, "North")
    assert result.verdict == Verdict.WRONG_DAY
    assert result.as_dict()["message"] == "Not valid today"
    clock(datetime(2026, 10, 9, 12, tzinfo=UTC))
    assert checkin.check_in(db, public.code, "North").admitted


def test_already_inside_rule(db, show, badge, clock) -> None:
    rules.save_gate_settings(db, show.id, deny_reentry=True, dedupe_seconds=60)
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.ADMITTED
    assert checkin.check_in(db, badge.code, "North").verdict == Verdict.REPEAT
    assert checkin.check_in(db, badge.code, "South").verdict == Verdict.ALREADY_INSIDE
    clock(SHOW_DAY + timedelta(days=1))
    assert checkin.check_in(db, badge.code, "South").verdict == Verdict.ADMITTED
    with pytest.raises(ValidationError):
        rules.save_gate_settings(db, show.id, deny_reentry=True, dedupe_seconds=0)


def test_queued_scans_are_stored_once(db, badge, clock) -> None:
    queued = [
        Scan(badge.code, "North", SHOW_DAY - timedelta(hours=2), "u-1"),
        Scan(badge.code, "North", SHOW_DAY - timedelta(hours=1), "u-2"),
    ]
    results = checkin.check_in_batch(db, queued)
    assert [r.verdict for r in results] == [Verdict.ADMITTED, Verdict.ADMITTED]
    again = checkin.check_in_batch(db, queued)  # the page resends after a lost answer
    assert [r.verdict for r in again] == [Verdict.REPEAT, Verdict.REPEAT]
    assert checkins(db) == 2
    assert checkin.attendance(db, badge.show_id) == [
        {"day": date(2026, 10, 7), "gate": "North", "scans": 2, "people": 1}
    ]
    assert checkin.days_attended(db, badge.registration_id) == [date(2026, 10, 7)]


def test_an_older_scan_sent_late_is_a_repeat_of_a_newer_one(db, badge, clock) -> None:
    """The window counts both ways: a queued scan reaching the server after a live one."""
    edge = datetime.fromtimestamp((int(SHOW_DAY.timestamp()) // 120 + 1) * 120, UTC)
    clock(edge + timedelta(seconds=5))
    assert checkin.check_in(db, badge.code, "North", at=edge + timedelta(seconds=1)).admitted
    late = checkin.check_in(db, badge.code, "North", at=edge - timedelta(seconds=1))
    assert late.verdict == Verdict.REPEAT
    far = checkin.check_in(db, badge.code, "North", at=edge - timedelta(minutes=5))
    assert far.verdict == Verdict.ADMITTED
    assert checkins(db) == 2


def test_gate_name_is_required(db, badge, clock) -> None:
    with pytest.raises(ValidationError):
        checkin.check_in(db, badge.code, "  ")
    with pytest.raises(ValidationError):
        checkin.check_in(db, badge.code, "x" * 41)


# -- leads --------------------------------------------------------------------------------


def test_lead_reveals_contact_only_with_consent(db, create_registration, create_user, clock):
    scanner = create_user(__import__("expo_crm.auth.roles", fromlist=["Role"]).Role.SCANNER)
    shy = issuing.issue_badge(db, create_registration("Ana Silva", phone="+5511999990000"))
    open_ = issuing.issue_badge(
        db, create_registration("Bruno Costa", consent_share=True, phone="+5511988880000")
    )
    shy_card = leads.lead_card(leads.capture_lead(db, scanner, shy.code))
    open_card = leads.lead_card(leads.capture_lead(db, scanner, open_.code))
    assert shy_card["name"] == "Ana Silva"
    assert shy_card["company"] == "Acme Robotics GmbH"
    assert shy_card["email"] is None
    assert shy_card["phone"] is None
    assert open_card["email"].startswith("visitor")
    assert open_card["phone"] == "+5511988880000"


def test_repeat_booth_scan_is_one_lead(db, badge, create_user, clock) -> None:
    from expo_crm.auth.roles import Role

    scanner = create_user(Role.SCANNER)
    lead = leads.capture_lead(db, scanner, badge.code, client_uuid="c-1")
    assert leads.capture_lead(db, scanner, badge.code, client_uuid="c-1") is lead
    assert leads.capture_lead(db, scanner, badge.code).scan_count == 2
    other = create_user(Role.SCANNER)
    assert leads.capture_lead(db, other, badge.code) is not lead
    assert db.scalar(select(func.count(Lead.id))) == 2
    with pytest.raises(NotFound):
        leads.get_lead(db, other, lead.id)
    assert leads.leads_by_exhibitor(db, badge.show_id)[0]["leads"] == 1
    booths = dict(db.execute(engagement.booths_scanned(badge.show_id)).all())
    assert booths[badge.registration_id] == 2


def test_queued_lead_scans_count_once_however_often_they_are_sent(
    db, badge, create_registration, create_user, clock
) -> None:
    from expo_crm.auth.roles import Role

    scanner = create_user(Role.SCANNER)
    other_visitor = issuing.issue_badge(db, create_registration("Bruno Costa"))
    queued = [
        leads.QueuedLead(badge.code, SHOW_DAY - timedelta(minutes=30), "q-1"),
        leads.QueuedLead(badge.code, SHOW_DAY - timedelta(minutes=10), "q-2"),  # came back
        leads.QueuedLead("NOT-A-BADGE", SHOW_DAY - timedelta(minutes=20), "q-3"),
        leads.QueuedLead(other_visitor.code, SHOW_DAY - timedelta(minutes=40), "q-4"),
    ]
    for _attempt in range(3):  # the answer was lost twice; the page sends the queue again
        results = leads.capture_leads(db, scanner, queued)
        assert [lead is not None for lead, _why in results] == [True, True, False, True]
        assert results[2][1] == "This is not a valid badge code."
        assert results[0][0] is results[1][0]
        assert results[0][0].scan_count == 2
        assert results[3][0].scan_count == 1
    assert db.scalar(select(func.count(Lead.id))) == 2
    assert db.scalar(select(func.count(LeadScan.id))) == 3
    # Queued scans keep their own time; the lead starts at the first one.
    assert results[0][0].scanned_at == SHOW_DAY - timedelta(minutes=30)
    # A live scan of the same visitor later is a new scan.
    assert leads.capture_lead(db, scanner, badge.code, client_uuid="live-1").scan_count == 3


def test_lead_refuses_bad_codes(db, badge, create_user, clock) -> None:
    from expo_crm.auth.roles import Role

    scanner = create_user(Role.SCANNER)
    altered = badge.code[:-1] + ("Q" if badge.code[-1] != "Q" else "R")
    with pytest.raises(ValidationError):
        leads.capture_lead(db, scanner, altered)
    issuing.revoke_badge(db, badge, None, "lost")
    with pytest.raises(ValidationError):
        leads.capture_lead(db, scanner, badge.code)
    assert db.scalar(select(func.count(Lead.id))) == 0


def test_qualifying_questions(db, badge, create_user, clock) -> None:
    from expo_crm.auth.roles import Role

    scanner = create_user(Role.SCANNER)
    q1 = leads.add_question(
        db, scanner.company_id, "Budget?", LeadQuestionKind.CHOICE, ["<10k", ">10k"]
    )
    q2 = leads.add_question(db, scanner.company_id, "Decision maker?", LeadQuestionKind.YESNO)
    with pytest.raises(ValidationError):
        leads.add_question(db, scanner.company_id, "Pick", LeadQuestionKind.CHOICE, ["only"])
    lead = leads.capture_lead(db, scanner, badge.code)
    leads.qualify_lead(
        db,
        lead,
        rating=LeadRating.HOT,
        notes="Wants a demo",
        answers={str(q1.id): ">10k", str(q2.id): "yes"},
    )
    assert lead.answers == {str(q1.id): ">10k", str(q2.id): "yes"}
    with pytest.raises(ValidationError):
        leads.qualify_lead(db, lead, rating=None, notes="", answers={str(q1.id): "1M"})
    assert lead.rating is LeadRating.HOT  # the refused change left the lead alone
