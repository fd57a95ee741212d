"""A visitor's profile across editions: registrations, engagement, tasks and interactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from expo_crm.badges.models import Lead
from expo_crm.directory.models import Company, Person
from expo_crm.errors import NotFound
from expo_crm.followup import engagement, optouts, tasks
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration


def visitor_profile(session: Session, person_id: int) -> dict[str, Any]:
    """Return the person, one row per edition attended, the booths that scanned them (leads),
    their tasks and interactions.

    Raise NotFound for an unknown person.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    rows = session.execute(
        select(
            Registration.id,
            Show.id.label("show_id"),
            Show.code,
            Registration.category,
            Company.name.label("company"),
            Registration.industry,
            Registration.job_function,
            Registration.purchasing_role,
            Registration.checked_in_at,
        )
        .join(Show, Show.id == Registration.show_id)
        .outerjoin(Company, Company.id == Registration.company_id)
        .where(Registration.person_id == person.id)
        .order_by(Show.starts_on)
    ).all()
    editions = []
    for row in rows:
        days = engagement.days_attended(row.show_id).subquery()
        booths = engagement.booths_scanned(row.show_id).subquery()
        editions.append(
            {
                "row": row,
                "days": session.scalar(select(days.c.days).where(days.c.registration_id == row.id))
                or 0,
                "booths": session.scalar(
                    select(booths.c.booths).where(booths.c.registration_id == row.id)
                )
                or 0,
            }
        )
    scanner = aliased(Company)
    leads = session.execute(
        select(
            Show.code, scanner.id.label("company_id"), scanner.name, Lead.rating, Lead.scanned_at
        )
        .join(Registration, Registration.id == Lead.registration_id)
        .join(Show, Show.id == Lead.show_id)
        .join(scanner, scanner.id == Lead.company_id)
        .where(Registration.person_id == person.id)
        .order_by(Show.starts_on, Lead.scanned_at)
    ).all()
    return {
        "person": person,
        "leads": leads,
        "editions": editions,
        "opted_out": optouts.is_person_opted_out(session, person.id),
        "tasks": session.execute(tasks.task_query(person_id=person.id)).all(),
        "interactions": session.execute(tasks.interactions_query(person_id=person.id)).all(),
    }
