"""Who must not be contacted: the opt-out rule, honoured by outreach and by every export.

A **person is opted out** when any of these holds:

* an :class:`OptOut` row names the person;
* an :class:`OptOut` row names the person's company (``Person.company_id``), or the company
  of the row being exported (the employer at that edition);
* the person's latest consent record of kind ``marketing`` — across all editions, latest by
  time then id — withdraws consent (``granted`` false).

A **company is opted out** when an :class:`OptOut` row names it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from expo_crm.directory.models import Company, Person
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.followup.models import OptOut
from expo_crm.visitors.models import ConsentKind, ConsentRecord

log = logging.getLogger(__name__)


def marketing_withdrawn(person_id: Any) -> Any:
    """SQL: the latest marketing consent record of ``person_id`` withdraws consent."""
    later = aliased(ConsentRecord)
    return exists(
        select(ConsentRecord.id).where(
            ConsentRecord.person_id == person_id,
            ConsentRecord.kind == ConsentKind.MARKETING,
            ConsentRecord.granted.is_(False),
            ~exists(
                select(later.id).where(
                    later.person_id == ConsentRecord.person_id,
                    later.kind == ConsentKind.MARKETING,
                    or_(
                        later.at > ConsentRecord.at,
                        and_(later.at == ConsentRecord.at, later.id > ConsentRecord.id),
                    ),
                )
            ),
        )
    )


def company_opted_out(company_id: Any) -> Any:
    """SQL: the company has opted out."""
    return exists(select(OptOut.id).where(OptOut.company_id == company_id))


def person_opted_out(person_id: Any, company_id: Any = None) -> Any:
    """SQL: the person has opted out (see the module docstring)."""
    someone = aliased(Person)  # aliased so it never correlates with an outer ``people``
    clauses = [
        exists(select(OptOut.id).where(OptOut.person_id == person_id)),
        exists(
            select(OptOut.id)
            .join(someone, someone.company_id == OptOut.company_id)
            .where(someone.id == person_id)
        ),
        marketing_withdrawn(person_id),
    ]
    if company_id is not None:
        clauses.append(company_opted_out(company_id))
    return or_(*clauses)


def contactable_only(query: Select) -> Select:
    """Drop opted-out rows from a list query.

    A query with a ``person_id`` column is filtered by the person rule (with its
    ``company_id`` column, if any, as the employer); one with only ``company_id`` by the
    company rule. Any other query is refused, so no export can skip the rule by accident.
    """
    cols = query.selected_columns
    if "person_id" in cols:
        company = cols.get("company_id")
        return query.where(~person_opted_out(cols["person_id"], company))
    if "company_id" in cols:
        return query.where(~company_opted_out(cols["company_id"]))
    raise ValueError("an exported list needs a person_id or company_id column")


def is_person_opted_out(session: Session, person_id: int) -> bool:
    return bool(session.scalar(select(person_opted_out(person_id))))


def is_company_opted_out(session: Session, company_id: int) -> bool:
    return bool(session.scalar(select(company_opted_out(company_id))))


def record_opt_out(
    session: Session,
    *,
    person_id: int | None = None,
    company_id: int | None = None,
    reason: str = "",
    user: Any = None,
) -> OptOut:
    """Record that a person or a company must not be contacted.

    Raise ValidationError unless exactly one is given, NotFound for an unknown id, Conflict
    when the opt-out already exists.
    """
    if (person_id is None) == (company_id is None):
        raise ValidationError("person_id", "Name either a person or a company.")
    target = session.get(Person, person_id) if person_id else session.get(Company, company_id)
    if target is None:
        raise NotFound("No such person or company.")
    column = OptOut.person_id if person_id else OptOut.company_id
    if session.scalar(select(OptOut.id).where(column == (person_id or company_id))):
        raise Conflict("This opt-out is already recorded.")
    optout = OptOut(
        person_id=person_id,
        company_id=company_id,
        reason=reason.strip()[:300],
        recorded_by_id=getattr(user, "id", None),
    )
    session.add(optout)
    session.flush()
    log.info(
        "Opt-out recorded for person=%s company=%s by %s",
        person_id,
        company_id,
        getattr(user, "email", "?"),
    )
    return optout


def list_opt_outs(session: Session) -> list[Any]:
    """Return opt-outs with the name of whom they concern, newest first."""
    return list(
        session.execute(
            select(OptOut, Person.full_name, Company.name)
            .outerjoin(Person, Person.id == OptOut.person_id)
            .outerjoin(Company, Company.id == OptOut.company_id)
            .order_by(OptOut.at.desc(), OptOut.id.desc())
        )
    )
