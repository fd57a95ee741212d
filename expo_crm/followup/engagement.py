"""Engagement of visitors at an edition: days attended and booths that scanned them.

The badges domain owns gate check-ins (``Scan``) and exhibitor leads (``Lead``). This module
is the one place follow-up reads them, through three selects:

* ``days_attended(show_id)`` → (registration_id, days): distinct days with a gate check-in;
* ``booths_scanned(show_id)`` → (registration_id, booths): distinct exhibitor companies
  whose scanners captured the registration as a lead;
* ``staff_visiting_booths(session, show_id)`` → {company_id: people}: people of a company
  captured as a lead at another company's booth.

Until the badges tables exist, days attended falls back to ``Registration.checked_in_at``
(1 day if set) and booth scans count zero.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, case, func, literal, select
from sqlalchemy.orm import Session

from expo_crm.visitors.models import Registration


def _badge_models() -> tuple[Any, Any] | None:
    from expo_crm.badges import models

    scan, lead = getattr(models, "Scan", None), getattr(models, "Lead", None)
    if scan is None or lead is None:
        return None
    return scan, lead


def days_attended(show_id: int) -> Select:
    """Select (registration_id, days) for every registration of the edition."""
    found = _badge_models()
    if found is None:
        return select(
            Registration.id.label("registration_id"),
            case((Registration.checked_in_at.is_not(None), 1), else_=0).label("days"),
        ).where(Registration.show_id == show_id)
    scan, _lead = found
    return (
        select(
            scan.registration_id.label("registration_id"),
            func.count(func.distinct(func.date(scan.scanned_at))).label("days"),
        )
        .join(Registration, Registration.id == scan.registration_id)
        .where(Registration.show_id == show_id)
        .group_by(scan.registration_id)
    )


def booths_scanned(show_id: int) -> Select:
    """Select (registration_id, booths) for registrations of the edition with leads."""
    found = _badge_models()
    if found is None:
        return select(
            literal(None, Integer).label("registration_id"), literal(0, Integer).label("booths")
        ).where(literal(False))
    _scan, lead = found
    return (
        select(
            lead.registration_id.label("registration_id"),
            func.count(func.distinct(lead.company_id)).label("booths"),
        )
        .join(Registration, Registration.id == lead.registration_id)
        .where(Registration.show_id == show_id)
        .group_by(lead.registration_id)
    )


def lead_scans_by_company(show_id: int) -> Select:
    """Select (company_id, scans): leads captured on the company's people at the edition."""
    found = _badge_models()
    if found is None:
        return select(
            literal(None, Integer).label("company_id"), literal(0, Integer).label("scans")
        ).where(literal(False))
    _scan, lead = found
    return (
        select(Registration.company_id.label("company_id"), func.count(lead.id).label("scans"))
        .join(Registration, Registration.id == lead.registration_id)
        .where(Registration.show_id == show_id, Registration.company_id.is_not(None))
        .group_by(Registration.company_id)
    )


def staff_visiting_booths(session: Session, show_id: int) -> dict[int, int]:
    """Return {company_id: people} of people captured at another company's booth."""
    found = _badge_models()
    if found is None:
        return {}
    _scan, lead = found
    rows = session.execute(
        select(Registration.company_id, func.count(func.distinct(Registration.person_id)))
        .join(lead, lead.registration_id == Registration.id)
        .where(
            Registration.show_id == show_id,
            Registration.company_id.is_not(None),
            lead.company_id != Registration.company_id,
        )
        .group_by(Registration.company_id)
    )
    return {company_id: int(n) for company_id, n in rows}
