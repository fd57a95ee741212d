"""The SQL building blocks every follow-up report stands on, with their definitions.

Definitions (shared by KPIs, value, prospects and segments):

* **exhibited at edition E** — the company has at least one contract at E whose status is
  not ``cancelled`` (``signed`` or ``completed``), or E's imported exhibitor list names it
  (see :mod:`expo_crm.history.participations`).
* **revenue of a company at E** — the sum of the totals of its non-cancelled contracts at E
  (contract value, not cash received), else the amount its listed participation paid;
  **area at E** — the sum of their ``area_m2``, else the listed area.
* **paid** — the sum of payments (refunds negative) on the company's invoices of an edition,
  plus the amounts its listed participations paid.
* **visitor at E** — a registration at E whose category is not ``exhibitor_staff``; the
  visiting company is the registration's ``company_id`` (the employer at that edition).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session, aliased

from expo_crm.exhibitors.models import Invoice, Payment
from expo_crm.history import participations
from expo_crm.history.models import Participation
from expo_crm.shows.models import Show
from expo_crm.shows.services import LIVE
from expo_crm.visitors.models import Registration, VisitorCategory

NOT_CANCELLED = participations.LIVE_CONTRACT
IS_VISITOR = Registration.category != VisitorCategory.EXHIBITOR_STAFF


def earlier_people(show: Show) -> Any:
    """Subquery of the distinct people registered (in any category) before ``show``.

    Outer-join it on ``person_id``: a match means the registration is *returning*. A join
    (hashed by PostgreSQL, indexed by SQLite) stays linear where an ``IN`` inside an
    expression can degrade into one subquery scan per row.
    """
    earlier = aliased(Registration)
    earlier_show = aliased(Show)
    return (
        select(earlier.person_id.label("person_id"))
        .join(earlier_show, earlier_show.id == earlier.show_id)
        .where(earlier_show.starts_on < show.starts_on)
        .distinct()
        .subquery("earlier_people")
    )


def exhibitor_facts(show_id: int) -> Select:
    """Select (company_id, revenue, area_m2, contracts) per company exhibiting at the edition."""
    return participations.edition_rows(show_id)


def exhibitor_ids(show_id: int) -> Select:
    """Select the ids of companies exhibiting at the edition."""
    return participations.company_ids(show_id)


def participation_rows(show_ids: list[int] | None = None) -> Any:
    """Subquery of (show_id, company_id, revenue, area_m2, contracts) over the editions."""
    return participations.participation_rows(show_ids)


def visitor_registrations(show_id: int) -> Select:
    """Select visitor registrations (not exhibitor staff) of the edition."""
    return select(Registration).where(Registration.show_id == show_id, IS_VISITOR)


def paid_by_company(show_ids: list[int]) -> Select:
    """Select (company_id, paid) summed over the given editions' invoices and listed amounts."""
    invoiced = (
        select(Invoice.company_id.label("company_id"), Payment.amount.label("paid"))
        .join(Payment, Payment.invoice_id == Invoice.id)
        .where(Invoice.show_id.in_(show_ids))
    )
    listed = select(Participation.company_id, Participation.amount).where(
        Participation.show_id.in_(show_ids),
        Participation.amount.is_not(None),
        ~participations.has_live_contract(Participation.show_id, Participation.company_id),
    )
    both = union_all(invoiced, listed).subquery("paid")
    return select(both.c.company_id, func.sum(both.c.paid).label("paid")).group_by(
        both.c.company_id
    )


def editions(session: Session) -> list[Show]:
    """Return every edition in use (archived ones left out), oldest first."""
    return list(session.scalars(select(Show).where(LIVE).order_by(Show.starts_on)))


def neighbours(session: Session, show: Show) -> tuple[Show | None, Show | None]:
    """Return the editions in use just before and just after ``show``."""
    shows = editions(session)
    before = [s for s in shows if s.starts_on < show.starts_on]
    after = [s for s in shows if s.starts_on > show.starts_on]
    return (before[-1] if before else None, after[0] if after else None)


def editions_before(session: Session, show: Show) -> list[int]:
    return list(session.scalars(select(Show.id).where(LIVE, Show.starts_on < show.starts_on)))
