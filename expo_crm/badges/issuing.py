"""Issuing badges: one active badge per registration, revoked and reissued when lost; the
badge desk's search and counts. (Printing them is :mod:`.printing`.)"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.badges import qr
from expo_crm.badges.models import Badge
from expo_crm.db import utcnow
from expo_crm.directory.models import Person
from expo_crm.errors import Conflict, NotFound
from expo_crm.visitors.models import Registration

log = logging.getLogger(__name__)


def active_badge(session: Session, registration_id: int) -> Badge | None:
    """Return the registration's unrevoked badge, if it has one."""
    return session.scalar(
        select(Badge).where(Badge.registration_id == registration_id, Badge.revoked_at.is_(None))
    )


def issue_badge(session: Session, registration: Registration, user: User | None = None) -> Badge:
    """Return the registration's active badge, making one (new random code) if it has none."""
    badge = active_badge(session, registration.id)
    if badge is not None:
        return badge
    badge_id, code = qr.new_code(qr.app_secret())
    badge = Badge(
        id=badge_id,
        code=code,
        registration_id=registration.id,
        show_id=registration.show_id,
        issued_by_id=user.id if user else None,
    )
    session.add(badge)
    session.flush()
    log.info(
        "Badge %s issued for registration %s by %s",
        badge_id,
        registration.id,
        user.email if user else "system",
    )
    return badge


def get_badge(session: Session, badge_id: str) -> Badge:
    """Return a badge by id; raise NotFound."""
    badge = session.get(Badge, badge_id)
    if badge is None:
        raise NotFound(_("No badge %(id)s.", id=badge_id))
    return badge


def revoke_badge(session: Session, badge: Badge, user: User | None, reason: str) -> None:
    """Revoke a badge (lost, stolen): its code is refused at the gates from now on."""
    if badge.revoked_at is not None:
        raise Conflict(_("This badge was already revoked."))
    badge.revoked_at = utcnow()
    badge.revoked_reason = (reason or "").strip()[:200] or None
    session.flush()
    log.info("Badge %s revoked by %s: %s", badge.id, user.email if user else "system", reason)


def reissue_badge(session: Session, badge: Badge, user: User | None, reason: str) -> Badge:
    """Revoke a badge and issue its registration a new one with a new code."""
    revoke_badge(session, badge, user, reason)
    return issue_badge(session, badge.registration, user)


def badge_history(session: Session, registration_id: int) -> list[Badge]:
    """Return every badge a registration had, newest first (revoked ones included)."""
    return list(
        session.scalars(
            select(Badge)
            .where(Badge.registration_id == registration_id)
            .order_by(Badge.issued_at.desc())
        )
    )


def badge_stats(session: Session, show_id: int) -> dict[str, int]:
    """Return counts for the badge overview: registrations, badges, printed, revoked."""
    registrations = session.scalar(
        select(func.count(Registration.id)).where(Registration.show_id == show_id)
    )
    active, printed, reprinted = session.execute(
        select(
            func.count(Badge.id),
            func.count(Badge.id).filter(Badge.print_count > 0),
            func.count(Badge.id).filter(Badge.print_count > 1),
        ).where(Badge.show_id == show_id, Badge.revoked_at.is_(None))
    ).one()
    revoked = session.scalar(
        select(func.count(Badge.id)).where(Badge.show_id == show_id, Badge.revoked_at.is_not(None))
    )
    return {
        "registrations": registrations or 0,
        "badges": active,
        "printed": printed,
        "reprinted": reprinted,
        "revoked": revoked or 0,
    }


def find_registrations(session: Session, show_id: int, text: str, limit: int = 50) -> list[Any]:
    """Find registrations of an edition by name, email or badge code (for the badge desk)."""
    text = (text or "").strip()
    if not text:
        return []
    statement = (
        select(Registration)
        .join(Person, Person.id == Registration.person_id)
        .where(Registration.show_id == show_id)
    )
    code = qr.normalize(text)
    if qr.verify(qr.app_secret(), code):
        statement = statement.join(Badge, Badge.registration_id == Registration.id).where(
            Badge.code == code
        )
    else:
        like = f"%{text.casefold()}%"
        statement = statement.where(
            func.lower(Person.full_name).like(like)
            | func.lower(Person.email).like(like)
            | and_(
                Registration.confirmation_code.is_not(None),
                func.lower(Registration.confirmation_code) == text.casefold(),
            )
        )
    return list(
        session.scalars(statement.order_by(Person.last_name, Person.full_name).limit(limit))
    )
