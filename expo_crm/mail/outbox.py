"""Queue messages in the outbox (what other domains call), and manage the outbox.

Other domains call the ``send_*`` functions inside their transaction; the message is a row
like any other and is delivered once that transaction commits (a commit that queued mail
starts delivery by itself, see :func:`_deliver_after_commit`). Each raises ValidationError
or Conflict when it may not send (no address, no marketing consent) and never commits.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import Select, event, func, or_, select
from sqlalchemy.orm import Session

from expo_crm.directory.models import Person
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.labels import label
from expo_crm.mail import delivery
from expo_crm.mail.compose import render_message
from expo_crm.mail.consent import marketing_exclusion, unsubscribe_token
from expo_crm.mail.models import MailKind, MailTemplate, Message, MessageState, Topic
from expo_crm.mail.wording import DEFAULTS, mail_language, variables
from expo_crm.shows.models import Show
from expo_crm.visitors.models import ConsentRecord, Registration

log = logging.getLogger(__name__)

#: Button labels of the messages that carry a link.
LINK_LABELS = {
    Topic.SURVEY_INVITATION: {"en": "Answer the survey", "zh": "填写问卷"},
}


# -- URLs in messages ------------------------------------------------------------------------


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a message: PUBLIC_URL, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        base = request.host_url if has_request_context() else "http://127.0.0.1:5000"
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return str(base).rstrip("/") + path


# -- wording ---------------------------------------------------------------------------------


def template_for(
    session: Session, show: Show | None, topic: Topic, language: str
) -> tuple[str, str]:
    """Return (subject, body): the edition's edited template, else the default wording."""
    if show is not None:
        edited = session.scalar(
            select(MailTemplate).where(
                MailTemplate.show_id == show.id,
                MailTemplate.topic == topic,
                MailTemplate.language == language,
            )
        )
        if edited is not None:
            return edited.subject, edited.body
    return DEFAULTS[topic][language]


def show_dates(show: Show, language: str) -> str:
    start, end = show.starts_on, show.ends_on
    if language == "zh":
        tail = f"{end.day}日" if end.month == start.month else f"{end.month}月{end.day}日"
        return f"{start.year}年{start.month}月{start.day}日至{tail}"
    if start.month == end.month:
        return f"{start.day}–{end.day} {end:%B %Y}"
    return f"{start:%-d %B} – {end:%-d %B %Y}"


def show_values(show: Show | None, language: str) -> dict[str, str]:
    if show is None:
        return {"show": "", "show_dates": "", "venue": "", "city": ""}
    return {
        "show": show.name,
        "show_dates": show_dates(show, language),
        "venue": show.venue,
        "city": show.city,
    }


def person_language(session: Session, person: Person, hint: str | None = None) -> str:
    """The language to write to a person in: a hint, their own, else the one they registered in."""
    if hint:
        return mail_language(hint)
    if person.language:
        return mail_language(person.language)
    used = session.scalar(
        select(ConsentRecord.language)
        .where(ConsentRecord.person_id == person.id)
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )
    return mail_language(used)


# -- queueing --------------------------------------------------------------------------------


def queue_message(
    session: Session,
    *,
    topic: Topic,
    show: Show | None,
    to_address: str | None,
    language: str,
    values: dict[str, str],
    to_name: str = "",
    person: Person | None = None,
    company_id: int | None = None,
    campaign_id: int | None = None,
    qr_payload: str | None = None,
    link: str | None = None,
    footer: str = "",
    reference: str | None = None,
    consent_checked: bool = False,
    user: Any = None,
) -> Message:
    """Render a message in the recipient's language and put it in the outbox.

    Marketing messages need a person with marketing consent and carry a signed one-click
    unsubscribe link (in the text and as List-Unsubscribe headers); ``consent_checked``
    says the caller has just checked a batch with ``consent.marketing_exclusions`` in this
    transaction. Raise ValidationError without an address, Conflict when marketing is not
    allowed for this person.
    """
    address = (to_address or "").strip().lower()
    if "@" not in address:
        raise ValidationError("email", _("This person has no e-mail address."))
    language = mail_language(language)
    headers: dict[str, str] = {}
    unsubscribe_url = None
    if topic.kind is MailKind.MARKETING:
        if person is None:
            raise ValidationError("person", _("Marketing messages go to people only."))
        reason = None if consent_checked else marketing_exclusion(session, person.id)
        if reason is not None:
            raise Conflict(
                _("%(person)s: %(reason)s.", person=person.full_name, reason=label(reason))
            )
        unsubscribe_url = public_url("mail_public.unsubscribe", token=unsubscribe_token(person.id))
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    subject, body = template_for(session, show, topic, language)
    rendered = render_message(
        subject,
        body,
        {**show_values(show, language), **values},
        variables(topic),
        language=language,
        qr=bool(qr_payload),
        link=link,
        link_label=LINK_LABELS.get(topic, {}).get(language, ""),
        unsubscribe_url=unsubscribe_url,
        footer=footer,
    )
    message = Message(
        kind=topic.kind,
        topic=topic,
        show_id=show.id if show else None,
        person_id=person.id if person else None,
        company_id=company_id if company_id is not None else getattr(person, "company_id", None),
        campaign_id=campaign_id,
        to_address=address,
        to_name=to_name or (person.full_name if person else ""),
        language=language,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        qr_payload=qr_payload,
        headers=headers,
        reference=reference,
        created_by_id=getattr(user, "id", None),
    )
    session.add(message)
    session.flush()
    session.info["mail_queued"] = True
    log.info("Message %s (%s) queued for %s", message.id, topic, address)
    return message


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    """Start delivery once a transaction that queued mail has committed."""
    if not session.info.pop("mail_queued", False) or not has_app_context():
        return
    if current_app.config.get("MAIL_AUTO_DELIVER", True):
        try:
            delivery.kick()
        except Exception:  # the messages are safe in the outbox; the next kick sends them
            log.exception("Could not start mail delivery")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("mail_queued", None)


# -- the messages other domains send ---------------------------------------------------------


def send_registration_confirmation(
    session: Session, registration: Registration, *, language: str | None = None, user: Any = None
) -> Message:
    """Send a registration's confirmation code and QR to the person's e-mail.

    For pre-registration and the kiosk: a returning visitor proves who they are with what
    this message delivers. A registration without a code gets one now. Raise
    ValidationError when the person has no e-mail address.
    """
    from expo_crm.visitors.registering import new_confirmation_code

    person: Person = registration.person
    if not person.email:
        raise ValidationError("email", _("This visitor has no e-mail address."))
    if not registration.confirmation_code:
        registration.confirmation_code = new_confirmation_code(session)
        session.flush()
    code = registration.confirmation_code
    return queue_message(
        session,
        topic=Topic.REGISTRATION_CONFIRMATION,
        show=registration.show,
        to_address=person.email,
        language=person_language(session, person, language),
        values={"name": person.full_name, "code": code},
        person=person,
        company_id=registration.company_id,
        qr_payload=code,
        user=user,
    )


def send_badge_ready(session: Session, badge: Any, *, user: Any = None) -> Message:
    """Send the badge's QR code to its holder. Raise ValidationError without an e-mail."""
    registration: Registration = badge.registration
    person: Person = registration.person
    return queue_message(
        session,
        topic=Topic.BADGE_READY,
        show=registration.show,
        to_address=person.email,
        language=person_language(session, person),
        values={"name": person.full_name, "badge": badge.id},
        person=person,
        company_id=registration.company_id,
        qr_payload=badge.code,
        user=user,
    )


# -- the outbox in the back office -----------------------------------------------------------


def messages_query(
    state: MessageState | None = None,
    topic: Topic | None = None,
    search: str = "",
    person_id: int | None = None,
    campaign_id: int | None = None,
) -> Select[tuple[Message]]:
    """Select outbox messages, newest first, filtered."""
    query = select(Message).order_by(Message.created_at.desc(), Message.id.desc())
    if state is not None:
        query = query.where(Message.state == state)
    if topic is not None:
        query = query.where(Message.topic == topic)
    if person_id is not None:
        query = query.where(Message.person_id == person_id)
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    if search.strip():
        term = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(Message.to_address).like(term), func.lower(Message.subject).like(term))
        )
    return query


def state_counts(session: Session, campaign_id: int | None = None) -> dict[MessageState, int]:
    query = select(Message.state, func.count()).group_by(Message.state)
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    counts = {state: 0 for state in MessageState}
    counts.update({MessageState(s): n for s, n in session.execute(query)})
    return counts


def get_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(_("No such message."))
    return message


def send_again(session: Session, message: Message, user: Any = None) -> Message:
    """Queue a failed or interrupted message again (staff decided). Raise Conflict otherwise."""
    if message.state not in (MessageState.FAILED, MessageState.UNSURE):
        raise Conflict(_("Only a failed or interrupted message can be sent again."))
    message.state = MessageState.QUEUED
    message.attempts = 0
    message.next_attempt_at = None
    message.claimed_at = message.handed_over_at = None
    session.flush()
    session.info["mail_queued"] = True
    log.info("Message %s queued again by %s", message.id, getattr(user, "email", "?"))
    return message


# -- overdue-invoice reminders ---------------------------------------------------------------


def reminder_contacts(session: Session, company_ids: list[int]) -> dict[int, Person]:
    """{company id: who gets its invoice reminders}: the booking contact with an address,
    else the first person of the company with one."""
    found: dict[int, Person] = {}
    for start in range(0, len(company_ids), 500):
        chunk = sorted(set(company_ids[start : start + 500]))
        people = session.scalars(
            select(Person)
            .where(
                Person.company_id.in_(chunk),
                Person.email.is_not(None),
                Person.merged_into_id.is_(None),
            )
            .order_by(Person.is_booking_contact.desc(), Person.id)
        )
        for person in people:
            if person.company_id is not None:
                found.setdefault(person.company_id, person)
    return found


def last_reminders(session: Session, invoice_numbers: list[str]) -> dict[str, Any]:
    """{invoice number: when its last reminder was queued}."""
    refs = [f"invoice:{n}" for n in invoice_numbers]
    rows = session.execute(
        select(Message.reference, func.max(Message.created_at))
        .where(Message.reference.in_(refs))
        .group_by(Message.reference)
    )
    return {str(ref).removeprefix("invoice:"): at for ref, at in rows}


def send_invoice_reminder(session: Session, invoice_id: int, user: Any = None) -> Message | None:
    """Remind the company of an overdue invoice (transactional); None without a contact.

    Raise NotFound for an unknown invoice, Conflict if it is not open any more.
    """
    from expo_crm.exhibitors.models import Invoice

    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(_("No such invoice."))
    if invoice.balance <= 0:
        raise Conflict(_("This invoice is paid."))
    person = reminder_contacts(session, [invoice.company_id]).get(invoice.company_id)
    if person is None:
        return None
    show = session.get(Show, invoice.show_id)
    return queue_message(
        session,
        topic=Topic.INVOICE_REMINDER,
        show=show,
        to_address=person.email,
        language=person_language(session, person),
        values={
            "name": person.full_name,
            "company": invoice.company.name if invoice.company else "",
            "invoice": invoice.number,
            "amount_due": f"{invoice.currency} {invoice.balance:,.2f}",
            "due_on": invoice.due_on.isoformat(),
        },
        person=person,
        company_id=invoice.company_id,
        reference=f"invoice:{invoice.number}",
        user=user,
    )
