"""Campaigns: preview with exclusions and reasons, each person once, sent in the background."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.errors import ValidationError
from expo_crm.followup.models import Outreach, SavedSegment
from expo_crm.followup.optouts import record_opt_out
from expo_crm.jobs.models import Job, JobStatus
from expo_crm.mail import campaigns, delivery, outbox
from expo_crm.mail.consent import Exclusion
from expo_crm.mail.models import Mailing, Message, Topic
from expo_crm.surveys import services as surveys
from tests.conftest import FAST_HASH
from tests.mail.conftest import ensure_show
from tests.surveys.conftest import build_survey, visitor


def _people(db):
    show = ensure_show(db)
    yes = visitor(db, "yes@a.example", "Yes Person")
    no = visitor(db, "no@a.example", "No Consent")
    from expo_crm.visitors.models import ConsentKind, ConsentRecord

    db.add(ConsentRecord(person_id=no.person_id, kind=ConsentKind.MARKETING, granted=False,
                         wording="x", language="en"))  # fmt: skip
    # A person who never answered the consent question at all.
    from expo_crm.visitors.models import ConsentRecord as CR

    db.query(CR).filter(CR.person_id == no.person_id, CR.granted.is_(True)).delete()
    opted = visitor(db, "opted@a.example", "Opted Out")
    record_opt_out(db, person_id=opted.person_id)
    bounced = visitor(db, "bounced@a.example", "Bounced")
    outbox.send_registration_confirmation(db, bounced).bounced = True
    db.flush()
    return show, {"yes": yes, "no": no, "opted": opted, "bounced": bounced}


def test_preview_lists_recipients_and_reasons(db):
    show, people = _people(db)
    survey = build_survey(db)
    surveys.set_state(db, survey, "open")
    mailing = campaigns.mailing_for_survey(db, survey)
    plan = campaigns.preview(db, mailing)
    assert [r.email for r in plan.recipients] == ["yes@a.example"]
    reasons = {r.email: reason for r, reason in plan.excluded}
    assert reasons == {
        "no@a.example": Exclusion.NO_CONSENT,
        "opted@a.example": Exclusion.OPTED_OUT,
        "bounced@a.example": Exclusion.BOUNCED,
    }
    db.add(Outreach(campaign_id=mailing.campaign_id, person_id=people["yes"].person_id))
    db.flush()
    again = campaigns.preview(db, mailing)
    assert again.recipients == []
    assert ("yes@a.example", Exclusion.ALREADY_SENT) in [
        (r.email, reason) for r, reason in again.excluded
    ]


def test_person_listed_twice_gets_one_message(db, create_company):
    show = ensure_show(db)
    person = visitor(db, "dup@a.example", "Dup Person")
    recipient = campaigns.Recipient(person.person_id, "Dup Person", "dup@a.example", None, "")
    mailing = campaigns.create_mailing(
        db, show, Topic.REBOOKING_INVITATION, f"rebooking:{show.code}", "R1"
    )
    original = campaigns.SOURCES["rebooking"]
    campaigns.SOURCES["rebooking"] = lambda *_a: [recipient, recipient]
    try:
        plan = campaigns.preview(db, mailing)
    finally:
        campaigns.SOURCES["rebooking"] = original
    assert len(plan.recipients) == 1
    assert [reason for _r, reason in plan.excluded] == [Exclusion.DUPLICATE]
    assert campaigns.send_to(db, mailing, recipient) is True
    assert campaigns.send_to(db, mailing, recipient) is False  # the ledger says: had it
    assert db.scalar(select(func.count()).select_from(Message).where(
        Message.campaign_id == mailing.campaign_id)) == 1  # fmt: skip


def test_bad_mailings_are_refused(db):
    show = ensure_show(db)
    with pytest.raises(ValidationError, match="where the recipients"):
        campaigns.create_mailing(db, show, Topic.PROSPECT_INVITATION, "everyone", "X")
    with pytest.raises(ValidationError, match="cannot be sent to this list"):
        campaigns.create_mailing(db, show, Topic.INVOICE_REMINDER, f"prospects:{show.code}", "X")
    with pytest.raises(ValidationError, match="does not exist|No saved segment"):
        campaigns.create_mailing(db, show, Topic.PROSPECT_INVITATION, "segment:abc", "X")


def test_segment_campaign_sent_in_the_background_arrives_once(app, committed_db, smtp, login):
    mailbox, _port = smtp
    session = committed_db.session
    show = ensure_show(session)
    for i in range(3):
        visitor(session, f"v{i}@a.example", f"Visitor {i}", language="zh_Hans_CN" if i else "en")
    segment = SavedSegment(name="Everyone", filters={"show": show.code})
    sales = User(email="sales@x.example", name="Sales", role=Role.SALES, password_hash=FAST_HASH)
    session.add_all([segment, sales])
    session.commit()
    client = login(sales)
    made = client.post("/mail/campaigns", data={
        "show": show.code, "topic": "prospect_invitation", "source": f"segment:{segment.id}",
        "name": "Come exhibit 2027",
    })  # fmt: skip
    mailing_id = int(made.location.rsplit("/", 1)[1])
    preview = client.get(f"/mail/campaigns/{mailing_id}").get_data(as_text=True)
    assert 'id="recipient-count">3<' in preview
    sent = client.post(f"/mail/campaigns/{mailing_id}/send")
    assert sent.status_code == 302
    job_id = sent.location.rsplit("/", 1)[1]
    for _ in range(200):
        with Session(committed_db.engine) as check:
            job = check.get(Job, job_id)
            if job.finished:
                break
        import time

        time.sleep(0.05)
    assert job.status is JobStatus.DONE, job.error
    assert job.result == {"queued": 3, "excluded": 0}
    delivery.deliver_due(app)
    assert sorted(r for _f, [r], _e in mailbox.received) == [
        "v0@a.example",
        "v1@a.example",
        "v2@a.example",
    ]
    subjects = sorted(e["Subject"] for _f, _r, e in mailbox.received)
    assert subjects == [
        "Exhibit at ExpoTech 2026",
        "诚邀参展ExpoTech 2026",
        "诚邀参展ExpoTech 2026",
    ]
    assert all(e["List-Unsubscribe"] for _f, _r, e in mailbox.received)
    # Sending it again is refused: nobody gets it twice.
    again = client.post(f"/mail/campaigns/{mailing_id}/send")
    assert again.status_code == 302
    with Session(committed_db.engine) as check:
        assert check.scalar(select(func.count()).select_from(Message)) == 3
        assert check.get(Mailing, mailing_id).state == "sent"
    page = client.get(f"/mail/campaigns/{mailing_id}").get_data(as_text=True)
    assert 'id="delivery"' in page


def test_survey_invitation_link_opens_the_survey(app, committed_db, smtp, client):
    mailbox, _port = smtp
    session = committed_db.session
    visitor(session, "ana@a.example", "Ana Silva")
    survey = build_survey(session)
    surveys.set_state(session, survey, "open")
    mailing = campaigns.mailing_for_survey(session, survey)
    recipient = campaigns.preview(session, mailing).recipients[0]
    assert campaigns.send_to(session, mailing, recipient)
    session.commit()
    delivery.deliver_due(app)
    [(_f, _r, email)] = mailbox.received
    text = email.get_body(("plain",)).get_content()
    link = next(line for line in text.splitlines() if "/s/" in line)
    assert link.startswith("https://expo.example/s/")
    page = client.get(link.removeprefix("https://expo.example"))
    assert page.status_code == 200
    assert "How was ExpoTech?" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.ADMIN, True), (Role.SALES, True), (Role.FINANCE, False), (Role.ONSITE, False),
     (Role.KIOSK, False), (Role.SCANNER, False)],
)  # fmt: skip
def test_campaign_pages_by_role(db, as_role, role, allowed):
    show = ensure_show(db)
    mailing = campaigns.create_mailing(
        db, show, Topic.PROSPECT_INVITATION, f"prospects:{show.code}", "P"
    )
    db.commit()
    client = as_role(role)
    expected = 200 if allowed else 403
    assert client.get("/mail/campaigns").status_code == expected
    assert client.get(f"/mail/campaigns/{mailing.id}").status_code == expected
    assert client.get("/mail/templates").status_code == expected
    assert client.get("/mail/templates/badge_ready/zh").status_code == expected


def test_overdue_invoice_reminder_goes_to_the_booking_contact(db, as_role, create_company):
    from decimal import Decimal

    from expo_crm.directory.models import Person
    from expo_crm.exhibitors.invoicing import issue_invoice
    from expo_crm.exhibitors.models import InvoiceKind

    show = ensure_show(db)
    company = create_company("Maker GmbH")
    db.add(Person(full_name="Other", email="other@maker.example", company_id=company.id))
    db.add(Person(full_name="Booker", email="booker@maker.example", company_id=company.id,
                  is_booking_contact=True, language="zh_Hans_CN"))  # fmt: skip
    invoice = issue_invoice(
        db, show, company_id=company.id, kind=InvoiceKind.DEPOSIT, amount=Decimal("1250.50"),
        due_on=date(2020, 1, 31), issued_on=date(2020, 1, 1),
    )  # fmt: skip
    db.commit()
    for role, status in [(Role.ONSITE, 403), (Role.KIOSK, 403), (Role.SCANNER, 403)]:
        assert as_role(role).get(f"/mail/reminders?show={show.code}").status_code == status
    client = as_role(Role.FINANCE)
    page = client.get(f"/mail/reminders?show={show.code}").get_data(as_text=True)
    assert "booker@maker.example" in page
    assert (
        client.post(
            f"/mail/reminders?show={show.code}", data={"invoice": str(invoice.id)}
        ).status_code
        == 302
    )
    [message] = db.scalars(select(Message).where(Message.topic == Topic.INVOICE_REMINDER)).all()
    assert message.to_address == "booker@maker.example"
    assert message.kind == "transactional"
    assert message.language == "zh"
    assert invoice.number in message.subject
    assert "BRL 1,250.50" in message.body_text
    assert invoice.number in client.get(f"/mail/reminders?show={show.code}").get_data(as_text=True)
