"""Reporting queries over booth sales: sales performance and exhibitor history per edition.

Other domains (the after-show KPIs) read booth sales through these functions only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.db import money
from expo_crm.exhibitors.models import (
    Booth,
    BoothStatus,
    Contract,
    ContractStatus,
    Invoice,
    Payment,
    PaymentMethod,
    Quote,
    QuoteStatus,
)
from expo_crm.shows.models import Show


@dataclass(frozen=True)
class SalesRow:
    user_id: int
    name: str
    quotes: int  #: quotes issued (a quote given again counts once)
    contracts: int  #: of those, signed and not cancelled
    revenue: Decimal  #: contract totals, plus fees kept on cancelled contracts
    #: contracts / quotes (None with no quotes)
    conversion: Decimal | None


def sales_performance(session: Session, show: Show) -> list[SalesRow]:
    """Per sales user, for one edition: quotes issued, contracts signed, revenue, rate.

    A contract counts for the user who issued its quote.
    """
    live = Contract.status != ContractStatus.CANCELLED
    revenue = case((live, Contract.total), else_=func.coalesce(Contract.cancellation_fee, 0))
    rows = session.execute(
        select(
            User.id,
            User.name,
            func.count(Quote.id),
            func.count(case((live, Contract.id))),
            func.coalesce(func.sum(revenue), 0),
        )
        .join(Quote, Quote.issued_by_id == User.id)
        .outerjoin(Contract, Contract.quote_id == Quote.id)
        .where(Quote.show_id == show.id)
        .group_by(User.id, User.name)
        .order_by(func.coalesce(func.sum(revenue), 0).desc())
    )
    return [
        SalesRow(
            user_id=r[0],
            name=r[1],
            quotes=r[2],
            contracts=r[3],
            revenue=money(r[4]),
            conversion=(Decimal(r[3]) / Decimal(r[2])).quantize(Decimal("0.001")).normalize()
            if r[2]
            else None,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ShowTotals:
    booths: int
    sold: int
    held: int
    area_sold_m2: Decimal
    contracts: int
    revenue: Decimal
    quotes_open: int


def show_totals(session: Session, show: Show) -> ShowTotals:
    """Headline figures of an edition's booth sales."""
    by_status = dict(
        session.execute(
            select(Booth.status, func.count(Booth.id))
            .where(Booth.show_id == show.id)
            .group_by(Booth.status)
        )
        .tuples()
        .all()
    )
    area, contracts, revenue = session.execute(
        select(
            func.coalesce(func.sum(Contract.area_m2), 0),
            func.count(Contract.id),
            func.coalesce(func.sum(Contract.total), 0),
        ).where(Contract.show_id == show.id, Contract.status != ContractStatus.CANCELLED)
    ).one()
    quotes_open = session.scalar(
        select(func.count(Quote.id)).where(
            Quote.show_id == show.id, Quote.status == QuoteStatus.ISSUED
        )
    )
    return ShowTotals(
        booths=sum(by_status.values()),
        sold=by_status.get(BoothStatus.SOLD, 0),
        held=by_status.get(BoothStatus.HELD, 0),
        area_sold_m2=Decimal(area),
        contracts=contracts,
        revenue=money(revenue),
        quotes_open=quotes_open or 0,
    )


@dataclass(frozen=True)
class ExhibitorEdition:
    show_id: int
    company_id: int
    area_m2: Decimal  #: m² under live contracts
    contract_total: Decimal
    paid: Decimal  #: money received, net of refunds


def exhibitor_editions(
    session: Session, show_ids: list[int] | None = None
) -> list[ExhibitorEdition]:
    """Every company that exhibited (a live contract) at each edition, with area and money.

    One row per (edition, company); companies with several booths are summed. The
    after-show KPIs (new, lost, upgraded, rebooking) are built on these rows.
    """
    paid = (
        select(
            Invoice.contract_id.label("contract_id"),
            func.sum(Payment.amount).label("paid"),
        )
        .join(Payment, Payment.invoice_id == Invoice.id)
        .where(Payment.method != PaymentMethod.CREDIT, Invoice.contract_id.is_not(None))
        .group_by(Invoice.contract_id)
        .subquery()
    )
    query = (
        select(
            Contract.show_id,
            Contract.company_id,
            func.sum(Contract.area_m2),
            func.sum(Contract.total),
            func.coalesce(func.sum(paid.c.paid), 0),
        )
        .outerjoin(paid, paid.c.contract_id == Contract.id)
        .where(Contract.status != ContractStatus.CANCELLED)
        .group_by(Contract.show_id, Contract.company_id)
        .order_by(Contract.show_id, Contract.company_id)
    )
    if show_ids is not None:
        query = query.where(Contract.show_id.in_(show_ids))
    return [
        ExhibitorEdition(
            show_id=r[0],
            company_id=r[1],
            area_m2=Decimal(r[2]),
            contract_total=money(r[3]),
            paid=money(r[4]),
        )
        for r in session.execute(query)
    ]
