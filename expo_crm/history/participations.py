"""The one definition of "company C exhibited at edition E", in SQL.

A company exhibited at E when it has a live contract there (any status but ``cancelled``),
or when E's imported exhibitor list names it (:class:`Participation`). Its **revenue** at E
is the sum of its live contracts' totals, else what the list says it paid; its **area** the
sum of their areas, else the listed area. A listed row of a company that also has a live
contract at E stays aside, so nothing is counted twice. Listed amounts and areas may be
unknown (NULL): sums skip them and comparisons with them are neither up nor down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal, select, union_all

from expo_crm.exhibitors.models import Contract, ContractStatus
from expo_crm.history.models import Participation

LIVE_CONTRACT = Contract.status != ContractStatus.CANCELLED


def has_live_contract(show_id: Any, company_id: Any) -> Any:
    return exists().where(
        Contract.show_id == show_id, Contract.company_id == company_id, LIVE_CONTRACT
    )


def participation_rows(show_ids: Sequence[int] | None = None) -> Any:
    """Subquery of (show_id, company_id, revenue, area_m2, contracts): one row per company and
    edition it exhibited at, for the given editions (all when None)."""
    contracts = (
        select(
            Contract.show_id.label("show_id"),
            Contract.company_id.label("company_id"),
            func.sum(Contract.total).label("revenue"),
            func.sum(Contract.area_m2).label("area_m2"),
            func.count(Contract.id).label("contracts"),
        )
        .where(LIVE_CONTRACT)
        .group_by(Contract.show_id, Contract.company_id)
    )
    listed = (
        select(
            Participation.show_id.label("show_id"),
            Participation.company_id.label("company_id"),
            func.sum(Participation.amount).label("revenue"),
            func.sum(Participation.area_m2).label("area_m2"),
            literal(0).label("contracts"),
        )
        .where(~has_live_contract(Participation.show_id, Participation.company_id))
        .group_by(Participation.show_id, Participation.company_id)
    )
    if show_ids is not None:
        ids = list(show_ids)
        contracts = contracts.where(Contract.show_id.in_(ids))
        listed = listed.where(Participation.show_id.in_(ids))
    return union_all(contracts, listed).subquery("participations")


def edition_rows(show_id: int) -> Select:
    """Select (company_id, revenue, area_m2, contracts) per company exhibiting at the edition."""
    rows = participation_rows([show_id])
    return select(rows.c.company_id, rows.c.revenue, rows.c.area_m2, rows.c.contracts)


def company_ids(show_id: int) -> Select:
    """Select the ids of the companies exhibiting at the edition."""
    rows = participation_rows([show_id])
    return select(rows.c.company_id)


def exhibited(show_id: int, company_id: Any) -> Any:
    """SQL condition: the company exhibited at the edition (contract or listed)."""
    return has_live_contract(show_id, company_id) | exists().where(
        and_(Participation.show_id == show_id, Participation.company_id == company_id)
    )
