"""Exhibitor leads: a visitor's badge scanned at a booth (once per visitor and exhibitor,
repeat scans counted, queued offline scans recorded once), the exhibitor's qualifying
questions, what the exhibitor may see of the visitor, and lead counts per exhibitor."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.badges import qr
from expo_crm.badges.models import (
    Badge,
    Lead,
    LeadQuestion,
    LeadQuestionKind,
    LeadRating,
    LeadScan,
)
from expo_crm.badges.scans import plausible_time
from expo_crm.directory.models import Company
from expo_crm.errors import NotFound, ValidationError
from expo_crm.visitors.models import Registration

log = logging.getLogger(__name__)


def _scanner_company(user: User) -> int:
    if user.company_id is None:
        raise ValidationError("company_id", _("This scanner account belongs to no exhibitor."))
    return user.company_id


def capture_lead(
    session: Session,
    user: User,
    code: str,
    *,
    client_uuid: str | None = None,
    at: datetime | None = None,
) -> Lead:
    """Record a badge scanned at an exhibitor's booth as a lead (a repeat scan counts up).

    A scan with a ``client_uuid`` already recorded (a queued scan sent again) returns its
    lead and counts nothing. Raise ValidationError for a forged, unknown or revoked code.
    """
    company_id = _scanner_company(user)
    code = qr.normalize(code or "")
    badge_id = qr.verify(qr.app_secret(), code)
    if badge_id is None:
        raise ValidationError("code", _("This is not a valid badge code."))
    badge = session.scalar(select(Badge).where(Badge.code == code))
    if badge is None:
        raise ValidationError("code", _("Unknown badge."))
    if badge.revoked_at is not None:
        raise ValidationError("code", _("This badge was revoked."))
    if client_uuid:
        seen = session.scalar(select(LeadScan.lead_id).where(LeadScan.client_uuid == client_uuid))
        if seen is not None:
            return session.get_one(Lead, seen)  # the same queued scan sent again
    scanned_at = plausible_time(at)
    lead = _company_lead(session, badge, company_id)
    if lead is None:
        lead = Lead(
            show_id=badge.show_id,
            company_id=company_id,
            registration_id=badge.registration_id,
            badge_id=badge.id,
            scanned_by_id=user.id,
            client_uuid=client_uuid,
            scanned_at=scanned_at,
            notes="",
            answers={},
        )
        try:
            with session.begin_nested():
                session.add(lead)
        except IntegrityError:
            # Another scanner of the same exhibitor recorded this visitor at the same moment.
            lead = _company_lead(session, badge, company_id)
            if lead is None:
                raise
        else:
            _record_lead_scan(session, lead, client_uuid, scanned_at)
            log.info("Lead %s captured by %s for company %s", lead.id, user.email, company_id)
            return lead
    if _record_lead_scan(session, lead, client_uuid, scanned_at):
        lead.scan_count += 1
        session.flush()
    return lead


def _company_lead(session: Session, badge: Badge, company_id: int) -> Lead | None:
    return session.scalar(
        select(Lead).where(
            Lead.show_id == badge.show_id,
            Lead.company_id == company_id,
            Lead.registration_id == badge.registration_id,
        )
    )


def _record_lead_scan(
    session: Session, lead: Lead, client_uuid: str | None, scanned_at: datetime
) -> bool:
    """Remember a scan's UUID; False if it was already recorded (the same scan sent twice
    at once, e.g. a queue resent while its first answer was still on the way)."""
    if not client_uuid:
        return True
    try:
        with session.begin_nested():
            session.add(LeadScan(lead_id=lead.id, client_uuid=client_uuid, scanned_at=scanned_at))
    except IntegrityError:
        return False
    return True


@dataclass
class QueuedLead:
    code: str
    scanned_at: datetime | None = None
    client_uuid: str | None = None


def capture_leads(
    session: Session, user: User, scans: Sequence[QueuedLead]
) -> list[tuple[Lead | None, str | None]]:
    """Record lead scans queued by a scanner page that was offline, oldest first.

    Return, in the order given, (lead, None) per scan or (None, why) for a code that is
    refused; one refused code does not stop the others.
    """
    results: list[tuple[Lead | None, str | None]] = [(None, None)] * len(scans)
    for index in sorted(range(len(scans)), key=lambda i: plausible_time(scans[i].scanned_at)):
        scan = scans[index]
        try:
            with session.begin_nested():
                lead = capture_lead(
                    session, user, scan.code, client_uuid=scan.client_uuid, at=scan.scanned_at
                )
        except ValidationError as refused:
            results[index] = (None, refused.message)
        else:
            results[index] = (lead, None)
    return results


def get_lead(session: Session, user: User, lead_id: int) -> Lead:
    """Return a lead the user may see (their own company's; administrators any); NotFound."""
    lead = session.get(Lead, lead_id)
    if lead is None or (user.role is not Role.ADMIN and lead.company_id != user.company_id):
        raise NotFound(_("No lead %(id)s.", id=lead_id))
    return lead


def questions(session: Session, company_id: int) -> list[LeadQuestion]:
    return list(
        session.scalars(
            select(LeadQuestion)
            .where(LeadQuestion.company_id == company_id, LeadQuestion.active.is_(True))
            .order_by(LeadQuestion.position, LeadQuestion.id)
        )
    )


def add_question(
    session: Session,
    company_id: int,
    text: str,
    kind: LeadQuestionKind,
    choices: Sequence[str] = (),
) -> LeadQuestion:
    """Add a qualifying question for an exhibitor; raise ValidationError."""
    text = (text or "").strip()
    if not text or len(text) > 300:
        raise ValidationError("text", _("Write the question (up to 300 characters)."))
    cleaned = [c.strip() for c in choices if c.strip()]
    if kind is LeadQuestionKind.CHOICE and len(cleaned) < 2:
        raise ValidationError("choices", _("A choice question needs at least two answers."))
    position = session.scalar(
        select(func.coalesce(func.max(LeadQuestion.position), 0)).where(
            LeadQuestion.company_id == company_id
        )
    )
    question = LeadQuestion(
        company_id=company_id,
        text=text,
        kind=kind,
        choices=cleaned if kind is LeadQuestionKind.CHOICE else [],
        position=(position or 0) + 1,
    )
    session.add(question)
    session.flush()
    return question


def remove_question(session: Session, company_id: int, question_id: int) -> None:
    question = session.get(LeadQuestion, question_id)
    if question is None or question.company_id != company_id:
        raise NotFound(_("No question %(id)s.", id=question_id))
    question.active = False
    session.flush()


def qualify_lead(
    session: Session,
    lead: Lead,
    *,
    rating: LeadRating | None,
    notes: str,
    answers: dict[str, str],
) -> Lead:
    """Set a lead's rating, notes and answers to the exhibitor's questions; ValidationError."""
    if len(notes or "") > 5000:
        raise ValidationError("notes", _("Notes are limited to 5000 characters."))
    asked = {str(q.id): q for q in questions(session, lead.company_id)}
    clean: dict[str, str] = {}
    for key, value in answers.items():
        value = (value or "").strip()
        if not value:
            continue
        question = asked.get(str(key))
        if question is None:
            raise ValidationError("answers", _("Unknown question %(id)s.", id=key))
        if question.kind is LeadQuestionKind.CHOICE and value not in question.choices:
            raise ValidationError(f"q{key}", _("Pick one of the offered answers."))
        if question.kind is LeadQuestionKind.YESNO and value not in ("yes", "no"):
            raise ValidationError(f"q{key}", _("Answer yes or no."))
        clean[str(key)] = value[:1000]
    lead.rating = rating
    lead.notes = (notes or "").strip()
    lead.answers = clean
    session.flush()
    return lead


def lead_card(lead: Lead) -> dict[str, Any]:
    """Return what an exhibitor may see of a lead's visitor.

    Name, company, country and category are printed on the badge, so they are always
    shown; email, phone, title and job function only if the visitor consented to share
    them with exhibitors when registering.
    """
    registration = lead.registration
    person = registration.person
    company = registration.company or person.company
    card: dict[str, Any] = {
        "id": lead.id,
        "name": person.full_name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company": company.name if company else "",
        "country": (person.country or (company.country if company else None) or ""),
        "category": registration.category.value,
        "shared": bool(registration.consent_share),
        "email": None,
        "phone": None,
        "title": None,
        "job_function": None,
        "industry": None,
        "rating": lead.rating.value if lead.rating else None,
        "notes": lead.notes,
        "answers": dict(lead.answers or {}),
        "scan_count": lead.scan_count,
        "scanned_at": lead.scanned_at,
    }
    if registration.consent_share:
        card.update(
            email=person.email,
            phone=person.phone,
            title=person.title,
            job_function=registration.job_function,
            industry=registration.industry,
        )
    return card


def company_leads(session: Session, company_id: int, show_id: int | None = None) -> list[Lead]:
    """Return an exhibitor's leads, newest first (of one edition, if given)."""
    statement = select(Lead).where(Lead.company_id == company_id)
    if show_id is not None:
        statement = statement.where(Lead.show_id == show_id)
    return list(session.scalars(statement.order_by(Lead.scanned_at.desc(), Lead.id.desc())))


def leads_by_exhibitor(session: Session, show_id: int) -> list[dict[str, Any]]:
    """Return lead counts per exhibiting company at an edition (for return-on-show KPIs)."""
    rows = session.execute(
        select(
            Lead.company_id,
            Company.name,
            func.count(Lead.id),
            func.count(Lead.id).filter(Lead.rating == LeadRating.HOT),
            func.count(Lead.id).filter(Lead.rating == LeadRating.WARM),
            func.count(Lead.id).filter(Lead.rating == LeadRating.COLD),
            func.count(Lead.id).filter(Lead.registration.has(Registration.consent_share)),
        )
        .join(Company, Company.id == Lead.company_id)
        .where(Lead.show_id == show_id)
        .group_by(Lead.company_id, Company.name)
        .order_by(func.count(Lead.id).desc(), Company.name)
    )
    return [
        {
            "company_id": cid,
            "company": name,
            "leads": total,
            "hot": hot,
            "warm": warm,
            "cold": cold,
            "with_contact": shared,
        }
        for cid, name, total, hot, warm, cold, shared in rows
    ]
