"""Reading registrations: lists of an edition, a person's visits across editions."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from expo_crm.directory.models import Company, Person
from expo_crm.errors import NotFound
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory


def registrations_query(
    show: Show | None = None,
    *,
    search: str | None = None,
    category: str | None = None,
    source: str | None = None,
) -> Select[tuple[Registration]]:
    """Build the query of registrations, optionally of one edition, searched and filtered."""
    query = select(Registration).join(Person, Registration.person_id == Person.id)
    if show is not None:
        query = query.where(Registration.show_id == show.id)
    if category:
        query = query.where(Registration.category == VisitorCategory(category))
    if source:
        query = query.where(Registration.source == RegistrationSource(source))
    if search:
        term = f"%{search.strip().lower()}%"
        query = query.outerjoin(Company, Registration.company_id == Company.id).where(
            or_(
                func.lower(Person.full_name).like(term),
                Person.email.like(term),
                Person.phone.like(term),
                func.lower(Company.name).like(term),
                Registration.confirmation_code == search.strip().upper(),
            )
        )
    return query.order_by(Registration.created_at.desc(), Registration.id.desc())


def registrations_for_show(
    session: Session, show: Show, category: VisitorCategory | None = None
) -> list[Registration]:
    """Return every registration of an edition (optionally of one category)."""
    return list(session.scalars(registrations_query(show, category=category)))


def person_registrations(session: Session, person: Person) -> list[Registration]:
    """Return a person's registrations across editions, newest edition first."""
    return list(
        session.scalars(
            select(Registration)
            .join(Show, Registration.show_id == Show.id)
            .where(Registration.person_id == person.id)
            .order_by(Show.starts_on.desc())
        )
    )


def is_returning(session: Session, person: Person, show: Show) -> bool:
    """Tell whether a person was registered at an edition before ``show``."""
    return bool(
        session.scalar(
            select(func.count(Registration.id))
            .join(Show, Registration.show_id == Show.id)
            .where(Registration.person_id == person.id, Show.starts_on < show.starts_on)
        )
    )


def visitor_profile(session: Session, person: Person) -> dict[str, Any]:
    """Return a person's visits across editions with their latest answers and consents."""
    registrations = person_registrations(session, person)
    latest = registrations[0] if registrations else None
    return {
        "person_id": person.id,
        "editions": [r.show.code for r in registrations],
        "visits": len(registrations),
        "latest_category": latest.category.value if latest else None,
        "industry": latest.industry if latest else None,
        "job_function": latest.job_function if latest else None,
        "purchasing_role": latest.purchasing_role if latest else None,
        "consent_marketing": latest.consent_marketing if latest else False,
        "consent_share": latest.consent_share if latest else False,
    }


def get_registration(session: Session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_("No such registration."))
    return registration
