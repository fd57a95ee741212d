"""Near-duplicate people: flagged when a registration creates one, resolved by staff
(merged, or marked as different people).
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.badges import issuing as badges
from expo_crm.db import repoint_references, utcnow
from expo_crm.directory import services as directory
from expo_crm.directory.models import Company, Person
from expo_crm.directory.normalize import FREE_MAIL_DOMAINS, domain_of
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.contacts import normalize_name
from expo_crm.visitors.models import DuplicateFlag, DuplicateStatus, Registration

log = logging.getLogger(__name__)


def flag_near_duplicates(
    session: Session, person: Person, company: Company | None, show: Show
) -> None:
    """Flag, for staff, live people with the same name as a new person but another email,
    at the same company or at a company whose domain is the new person's work email domain
    (a visitor who left the company blank, or typed it so it matched another record)."""
    domain = domain_of(person.email) if person.email else None
    if domain in FREE_MAIL_DOMAINS:
        domain = None
    same_place = []
    if company is not None:
        same_place.append(Person.company_id == company.id)
    if domain:
        same_place.append(
            Person.company_id.in_(
                select(Company.id).where(Company.domain == domain, Company.merged_into_id.is_(None))
            )
        )
    if not same_place:
        return
    key = normalize_name(person.full_name)
    others = session.scalars(
        select(Person)
        .where(or_(*same_place), Person.id != person.id, Person.merged_into_id.is_(None))
        .order_by(Person.id)
    )
    for other in others:
        if normalize_name(other.full_name) != key or other.email == person.email:
            continue
        if company is not None and other.company_id == company.id:
            reason = _("Same name and company (%(company)s), different email", company=company.name)
        else:
            reason = _("Same name and email domain (%(domain)s), different email", domain=domain)
        session.add(
            DuplicateFlag(
                person_id=person.id, other_person_id=other.id, show_id=show.id, reason=reason
            )
        )
        log.info("Near-duplicate flagged: person %s resembles %s", person.id, other.id)


def open_duplicates(session: Session) -> Select[tuple[DuplicateFlag]]:
    """Return the query of near-duplicate flags awaiting a decision, newest first."""
    return (
        select(DuplicateFlag)
        .where(DuplicateFlag.status == DuplicateStatus.OPEN)
        .order_by(DuplicateFlag.created_at.desc(), DuplicateFlag.id.desc())
    )


def get_flag(session: Session, flag_id: int) -> DuplicateFlag:
    flag = session.get(DuplicateFlag, flag_id)
    if flag is None:
        raise NotFound(_("No such duplicate flag."))
    return flag


def resolve_duplicate(
    session: Session, flag: DuplicateFlag, user: User, *, merge: bool, keep_id: int | None = None
) -> None:
    """Merge the two people of a flag (keeping ``keep_id``, by default the older record)
    or dismiss the flag. Raise Conflict if it was already resolved."""
    if flag.status is not DuplicateStatus.OPEN:
        raise Conflict(_("This pair was already resolved."))
    flag.status = DuplicateStatus.MERGED if merge else DuplicateStatus.DISMISSED
    flag.resolved_at = utcnow()
    flag.resolved_by_id = user.id
    if merge:
        ids = {flag.person_id, flag.other_person_id}
        keep_id = keep_id or flag.other_person_id
        if keep_id not in ids:
            raise ValidationError("keep_id", _("Keep one of the two people of this pair."))
        (drop_id,) = ids - {keep_id}
        keep = directory.get_person(session, keep_id)
        drop = directory.get_person(session, drop_id)
        if keep.id == drop.id:
            raise Conflict(_("These records were already merged."))
        _merge_registrations(session, keep, drop, user)
        directory.merge_people(session, keep, drop, user)
    session.flush()
    log.info("Duplicate flag %s %s by %s", flag.id, flag.status, user.email)


def _merge_registrations(session: Session, keep: Person, drop: Person, user: User) -> None:
    """Before a merge, fold the duplicate's registrations at editions ``keep`` also attended
    into ``keep``'s (one registration per person and edition must survive the merge).

    Everything that referred to a folded registration (consents, captures, badges, scans)
    moves to the surviving one; if both had an active badge, the folded one's is revoked,
    so the survivor still has one active badge.
    """
    kept = {
        r.show_id: r
        for r in session.scalars(select(Registration).where(Registration.person_id == keep.id))
    }
    for reg in session.scalars(select(Registration).where(Registration.person_id == drop.id)):
        target = kept.get(reg.show_id)
        if target is None:
            continue
        target.answers = {**(reg.answers or {}), **(target.answers or {})}
        target.confirmation_code = target.confirmation_code or reg.confirmation_code
        target.checked_in_at = target.checked_in_at or reg.checked_in_at
        reg.confirmation_code = None
        folded_badge = badges.active_badge(session, reg.id)
        if folded_badge is not None and badges.active_badge(session, target.id) is not None:
            badges.revoke_badge(
                session, folded_badge, user, f"merged into registration {target.id}"
            )
        session.flush()
        repoint_references(session, "registrations", reg.id, target.id)
        session.delete(reg)
    session.flush()
