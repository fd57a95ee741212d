"""Finding the person a registration is about: by confirmation code, email or phone."""

from __future__ import annotations

import hashlib

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from expo_crm.directory import services as directory
from expo_crm.directory.models import Person
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration


def live_person(session: Session, person: Person | None) -> Person | None:
    """Return the record a person was merged into, if they were (else the person)."""
    return directory.get_person(session, person.id) if person is not None else None


def find_by_code(session: Session, show: Show, code: str) -> Registration | None:
    """Return this edition's registration with a confirmation code (typed or scanned)."""
    code = "".join(c for c in (code or "").upper() if c.isalnum())
    if not code:
        return None
    return session.scalar(
        select(Registration).where(
            Registration.show_id == show.id, Registration.confirmation_code == code
        )
    )


def match_person(session: Session, *, emails: list[str], phones: list[str]) -> Person | None:
    """Return the live person with one of these (normalized) emails or E.164 phones."""
    for email in emails:
        person = session.scalar(select(Person).where(Person.email == email))
        if person is not None:
            return live_person(session, person)
    for phone in phones:
        person = session.scalar(
            select(Person)
            .where(Person.phone == phone, Person.merged_into_id.is_(None))
            .order_by(Person.id)
            .limit(1)
        )
        if person is not None:
            return person
    return None


def lock_keys(session: Session, keys: list[str]) -> None:
    """On PostgreSQL, serialize registrations that share a key until the transaction ends.

    Emails are protected by their unique constraint; this covers what has none (a phone,
    a company name), so two kiosks never create the same phone-only person or company twice.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})
