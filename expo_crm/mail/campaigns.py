"""Mailings: a marketing message sent to a list, as one followup campaign.

A mailing is the e-mail side of a :class:`~expo_crm.followup.models.Campaign`: the campaign
names the round and its source, the followup ``Outreach`` ledger holds one row per person
reached (unique per campaign, so nobody gets the same mailing twice whatever the race),
and each message in the outbox carries the campaign. Recipients come from a source:

* ``segment:<saved segment id>`` — the visitors of a saved segment;
* ``prospects:<show code>`` — people of the companies on the prospect list;
* ``rebooking:<show code>`` — contacts of the edition's exhibitors at risk of not rebooking;
* ``survey:<survey id>`` — the audience of a survey (visitors or exhibitors of its edition).

The preview lists who receives it and who is left out and why (see
``consent.Exclusion``); sending runs as a job with a progress bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.directory.models import Company, Person
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.followup.models import Campaign, Outreach
from expo_crm.mail import outbox
from expo_crm.mail.consent import Exclusion, marketing_exclusions
from expo_crm.mail.models import Mailing, MailingState, Topic
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)


#: Which messages a mailing may send, by source kind.
SOURCE_TOPICS = {
    "segment": (Topic.PROSPECT_INVITATION, Topic.REBOOKING_INVITATION),
    "prospects": (Topic.PROSPECT_INVITATION,),
    "rebooking": (Topic.REBOOKING_INVITATION,),
    "survey": (Topic.SURVEY_INVITATION,),
}


@dataclass
class Recipient:
    person_id: int
    name: str
    email: str | None
    company_id: int | None
    company: str


@dataclass
class Preview:
    recipients: list[Recipient] = field(default_factory=list)
    excluded: list[tuple[Recipient, Exclusion]] = field(default_factory=list)

    def counts(self) -> dict[Exclusion, int]:
        found = {reason: 0 for reason in Exclusion}
        for _r, reason in self.excluded:
            found[reason] += 1
        return found


# -- sources ---------------------------------------------------------------------------------


def _people_of_companies(session: Session, company_ids: list[int]) -> list[Recipient]:
    """Contacts of companies: booking contacts first, then everyone with an address."""
    found: list[Recipient] = []
    for start in range(0, len(company_ids), 500):
        chunk = company_ids[start : start + 500]
        rows = session.execute(
            select(Person.id, Person.full_name, Person.email, Company.id, Company.name)
            .join(Company, Company.id == Person.company_id)
            .where(Person.company_id.in_(chunk), Person.merged_into_id.is_(None))
            .order_by(Company.name, Person.is_booking_contact.desc(), Person.id)
        )
        found.extend(Recipient(*row) for row in rows)
    return found


def _segment(session: Session, show: Show, ref: str) -> list[Recipient]:
    from expo_crm.followup import segments

    saved = segments.get_segment(session, _int(ref))
    filters = segments.SegmentFilters.parse(saved.filters)
    shown = segments.resolve_show(session, filters, show)
    query = segments.segment_query(session, shown, filters).subquery()
    rows = session.execute(
        select(
            query.c.person_id, query.c.full_name, query.c.email, query.c.company_id, query.c.company
        )  # fmt: skip
    )
    return [
        Recipient(pid, name, email, cid, company or "") for pid, name, email, cid, company in rows
    ]


def _prospects(session: Session, show: Show, ref: str) -> list[Recipient]:
    from expo_crm.followup.prospects import prospect_ranking

    ranked = prospect_ranking(session, _show(session, ref, show))
    return _people_of_companies(session, [p.company_id for p in ranked])


def rebooking_risk_companies(session: Session, show: Show) -> list[int]:
    """Exhibitors of ``show`` at risk of not rebooking: the rebooking-risk list of history
    (``expo_crm.followup.rebooking.at_risk_company_ids(session, show)``) when it exists;
    until then, the exhibitors not booked for the coming edition."""
    try:
        from expo_crm.followup import rebooking  # type: ignore[attr-defined]

        at_risk: Callable[[Session, Show], list[int]] = rebooking.at_risk_company_ids
    except (ImportError, AttributeError):
        from expo_crm.followup import facts

        _prev, coming = facts.neighbours(session, show)
        booked: set[int] = set()
        if coming is not None:
            booked = set(session.scalars(facts.exhibitor_ids(coming.id)))
        exhibitors = session.scalars(facts.exhibitor_ids(show.id))
        return sorted(c for c in exhibitors if c not in booked)
    return list(at_risk(session, show))


def _rebooking(session: Session, show: Show, ref: str) -> list[Recipient]:
    return _people_of_companies(
        session, rebooking_risk_companies(session, _show(session, ref, show))
    )


def _survey(session: Session, show: Show, ref: str) -> list[Recipient]:
    from expo_crm.followup import facts
    from expo_crm.surveys.models import Audience
    from expo_crm.surveys.services import get_survey
    from expo_crm.visitors.models import Registration, VisitorCategory

    survey = get_survey(session, _int(ref))
    if survey.audience is Audience.EXHIBITORS:
        return _people_of_companies(
            session, list(session.scalars(facts.exhibitor_ids(survey.show_id)))
        )
    rows = session.execute(
        select(Person.id, Person.full_name, Person.email, Company.id, Company.name)
        .join(Registration, Registration.person_id == Person.id)
        .outerjoin(Company, Company.id == Registration.company_id)
        .where(
            Registration.show_id == survey.show_id,
            Registration.category != VisitorCategory.EXHIBITOR_STAFF,
        )
        .order_by(Person.id)
    )
    return [
        Recipient(pid, name, email, cid, company or "") for pid, name, email, cid, company in rows
    ]


SOURCES: dict[str, Callable[[Session, Show, str], list[Recipient]]] = {
    "segment": _segment,
    "prospects": _prospects,
    "rebooking": _rebooking,
    "survey": _survey,
}


def _int(ref: str) -> int:
    try:
        return int(ref)
    except ValueError:
        raise ValidationError("source", _("This list does not exist.")) from None


def _show(session: Session, ref: str, default: Show) -> Show:
    from expo_crm.shows.services import get_show

    return get_show(session, ref) if ref else default


def parse_source(source: str) -> tuple[str, str]:
    kind, _sep, ref = (source or "").partition(":")
    if kind not in SOURCES:
        raise ValidationError("source", _("Choose where the recipients come from."))
    return kind, ref


def recipients(session: Session, show: Show, source: str) -> list[Recipient]:
    kind, ref = parse_source(source)
    return SOURCES[kind](session, show, ref)


def preview(session: Session, mailing: Mailing) -> Preview:
    """Who receives the mailing, and who is left out and why (each person once)."""
    found = recipients(session, mailing.show, mailing.campaign.source)
    reasons = marketing_exclusions(session, [r.person_id for r in found], mailing.campaign_id)
    result = Preview()
    seen: set[int] = set()
    for recipient in found:
        if recipient.person_id in seen:
            result.excluded.append((recipient, Exclusion.DUPLICATE))
            continue
        seen.add(recipient.person_id)
        reason = reasons.get(recipient.person_id)
        if reason is None:
            result.recipients.append(recipient)
        else:
            result.excluded.append((recipient, reason))
    return result


# -- building and sending --------------------------------------------------------------------


def create_mailing(
    session: Session, show: Show, topic: Topic | str, source: str, name: str, user: Any = None
) -> Mailing:
    """Create a draft mailing under a new campaign. Raise ValidationError or Conflict."""
    kind, _ref = parse_source(source)
    try:
        topic = Topic(topic)
    except ValueError as exc:
        raise ValidationError("topic", _("Choose a message.")) from exc
    if topic not in SOURCE_TOPICS[kind]:
        raise ValidationError("topic", _("This message cannot be sent to this list."))
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ValidationError("name", _("Give the mailing a name."))
    if session.scalar(select(Campaign.id).where(Campaign.name == name)):
        raise Conflict(_("A campaign with this name exists already."))
    recipients(session, show, source)  # an unknown segment or survey fails now
    campaign = Campaign(name=name, source=source, created_by_id=getattr(user, "id", None))
    session.add(campaign)
    session.flush()
    mailing = Mailing(
        campaign_id=campaign.id, show_id=show.id, topic=topic,
        created_by_id=getattr(user, "id", None),
    )  # fmt: skip
    session.add(mailing)
    session.flush()
    log.info("Mailing %s (%s, %s) created by %s", mailing.id, topic, source,
             getattr(user, "email", "?"))  # fmt: skip
    return mailing


def get_mailing(session: Session, mailing_id: int) -> Mailing:
    mailing = session.get(Mailing, mailing_id)
    if mailing is None:
        raise NotFound(_("No such mailing."))
    return mailing


def list_mailings(session: Session) -> list[Mailing]:
    return list(session.scalars(select(Mailing).order_by(Mailing.created_at.desc())))


def start_sending(session: Session, mailing: Mailing, user: Any = None) -> Any:
    """Record the job that sends the mailing; dispatch it after the commit. Raise Conflict."""
    from expo_crm.jobs import services as jobs

    if mailing.state is not MailingState.DRAFT:
        raise Conflict(_("This mailing has been sent already."))
    job = jobs.submit(
        session,
        kind="mail.mailing",
        task="expo_crm.mail.campaigns:send_mailing_job",
        params={"mailing_id": mailing.id},
        user_id=getattr(user, "id", None),
    )
    mailing.state = MailingState.SENDING
    mailing.job_id = job.id
    session.flush()
    return job


def _message_values(
    session: Session, mailing: Mailing, recipient: Recipient, language: str
) -> dict[str, Any]:
    """What one recipient's message says beyond the edition: names, link."""
    from expo_crm.followup import facts

    values: dict[str, Any] = {"name": recipient.name, "company": recipient.company}
    link = None
    if mailing.topic is Topic.REBOOKING_INVITATION:
        _prev, coming = facts.neighbours(session, mailing.show)
        values["next_show"] = coming.name if coming else mailing.show.name
    if mailing.topic is Topic.SURVEY_INVITATION:
        from expo_crm.surveys.services import get_survey, link_token

        survey = get_survey(session, _int(mailing.campaign.source.partition(":")[2]))
        link = outbox.public_url(
            "surveys_public.answer", token=link_token(survey, recipient.person_id)
        )
        values["survey"] = survey.text(language)
        values["link"] = link
    return {"values": values, "link": link}


def send_to(
    session: Session,
    mailing: Mailing,
    recipient: Recipient,
    user: Any = None,
    *,
    consent_checked: bool = False,
) -> bool:
    """Queue the mailing's message for one recipient, once (the Outreach ledger): True if
    queued, False if they had it already or may not receive it any more."""
    person = session.get(Person, recipient.person_id)
    if person is None:
        return False
    try:
        with session.begin_nested():
            session.add(Outreach(campaign_id=mailing.campaign_id, person_id=person.id))
            session.flush()
            language = outbox.person_language(session, person)
            extra = _message_values(session, mailing, recipient, language)
            outbox.queue_message(
                session,
                topic=mailing.topic,
                show=mailing.show,
                to_address=person.email,
                language=language,
                values=extra["values"],
                person=person,
                company_id=recipient.company_id,
                campaign_id=mailing.campaign_id,
                link=extra["link"],
                consent_checked=consent_checked,
                user=user,
            )
    except IntegrityError:  # already reached by this campaign
        return False
    except (Conflict, ValidationError) as exc:  # consent withdrawn since the preview
        log.info("Mailing %s skips person %s: %s", mailing.id, person.id, exc.message)
        return False
    return True


#: Recipients queued per transaction by the sending job.
BATCH = 50


def send_mailing_job(session: Session, report: Any, *, mailing_id: int) -> dict[str, Any]:
    """Job: queue the mailing's message for everyone it may reach, with progress."""
    mailing = get_mailing(session, mailing_id)
    plan = preview(session, mailing)
    total = len(plan.recipients)
    queued = 0
    for start in range(0, total, BATCH):
        batch = plan.recipients[start : start + BATCH]
        # Consent checked again right before queueing (it may have changed since the
        # preview), for the whole batch in one query, inside the transaction that queues.
        reasons = marketing_exclusions(session, [r.person_id for r in batch], mailing.campaign_id)
        for recipient in batch:
            if reasons.get(recipient.person_id) is None and send_to(
                session, mailing, recipient, consent_checked=True
            ):
                queued += 1
        # Commit before reporting (SQLite has one writer), and so delivery starts while
        # the rest is still being queued.
        session.commit()
        done = start + len(batch)
        report(done, total, _("%(n)s of %(total)s queued", n=done, total=total))
    mailing.state = MailingState.SENT
    mailing.sent_at = utcnow()
    session.commit()
    report(total, total, force=True)
    excluded = len(plan.excluded)
    log.info("Mailing %s: %s queued, %s left out", mailing.id, queued, excluded)
    return {
        "summary": {"queued": queued, "excluded": excluded},
        "message": _("%(n)s messages queued; %(x)s people left out.", n=queued, x=excluded),
    }


def mailing_for_survey(session: Session, survey: Any, user: Any = None) -> Mailing:
    """The mailing that invites a survey's audience, made the first time. Raise Conflict
    unless the survey is open."""
    from expo_crm.surveys.models import SurveyState

    if survey.state is not SurveyState.OPEN:
        raise Conflict(_("Open the survey before inviting people to it."))
    if survey.campaign_id is not None:
        existing = session.scalar(select(Mailing).where(Mailing.campaign_id == survey.campaign_id))
        if existing is not None:
            return existing
    mailing = create_mailing(
        session,
        survey.show,
        Topic.SURVEY_INVITATION,
        f"survey:{survey.id}",
        f"{survey.show.code} · {survey.text('en')} (#{survey.id})",
        user,
    )
    survey.campaign_id = mailing.campaign_id
    session.flush()
    return mailing
