"""Engagement of visitors at an edition: days attended and booths that scanned them.

The badges domain owns gate check-ins (:class:`CheckIn`, one row per admitted scan, with the
show-local ``day``) and exhibitor leads (:class:`Lead`, one per visitor and exhibitor per
edition). This module is the one place follow-up reads them:

* ``days_attended(show_id)`` → (registration_id, days): distinct days with a check-in;
* ``booths_scanned(show_id)`` → (registration_id, booths): distinct exhibitor companies that
  captured the registration as a lead;
* ``lead_scans_by_company(show_id)`` → (company_id, scans): leads captured on the company's
  people;
* ``staff_visiting_booths(session, show_id)`` → {company_id: people}: people of a company
  captured as a lead at another company's booth.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from expo_crm.badges.models import CheckIn, Lead
from expo_crm.visitors.models import Registration


def days_attended(show_id: int) -> Select:
    """Select (registration_id, days) for registrations of the edition that checked in."""
    return (
        select(
            CheckIn.registration_id.label("registration_id"),
            func.count(distinct(CheckIn.day)).label("days"),
        )
        .where(CheckIn.show_id == show_id)
        .group_by(CheckIn.registration_id)
    )


def days_expr(registration_id: Any) -> Any:
    """SQL: days attended by one registration (a correlated subquery; 0 without check-ins)."""
    return (
        select(func.count(distinct(CheckIn.day)))
        .where(CheckIn.registration_id == registration_id)
        .scalar_subquery()
    )


def booths_expr(registration_id: Any) -> Any:
    """SQL: distinct exhibitor companies that captured one registration as a lead."""
    return (
        select(func.count(distinct(Lead.company_id)))
        .where(Lead.registration_id == registration_id)
        .scalar_subquery()
    )


def booths_scanned(show_id: int) -> Select:
    """Select (registration_id, booths) for registrations of the edition with leads."""
    return (
        select(
            Lead.registration_id.label("registration_id"),
            func.count(distinct(Lead.company_id)).label("booths"),
        )
        .where(Lead.show_id == show_id)
        .group_by(Lead.registration_id)
    )


def lead_scans_by_company(show_id: int) -> Select:
    """Select (company_id, scans): leads captured on the company's people at the edition."""
    return (
        select(Registration.company_id.label("company_id"), func.count(Lead.id).label("scans"))
        .join(Registration, Registration.id == Lead.registration_id)
        .where(Lead.show_id == show_id, Registration.company_id.is_not(None))
        .group_by(Registration.company_id)
    )


def staff_visiting_booths(session: Session, show_id: int) -> dict[int, int]:
    """Return {company_id: people} of people captured at another company's booth."""
    rows = session.execute(
        select(Registration.company_id, func.count(distinct(Registration.person_id)))
        .join(Lead, Lead.registration_id == Registration.id)
        .where(
            Lead.show_id == show_id,
            Registration.company_id.is_not(None),
            Lead.company_id != Registration.company_id,
        )
        .group_by(Registration.company_id)
    )
    return {company_id: int(n) for company_id, n in rows}
