"""The booth-sales demo seeder: every state present, numbers consistent, services still work."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from itertools import combinations

from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.demo import exhibitors as demo
from expo_crm.demo.base import World
from expo_crm.exhibitors import reports, services
from expo_crm.exhibitors.models import (
    Booth,
    BoothStatus,
    Contract,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    Quote,
    QuoteStatus,
)

TODAY = date(2026, 11, 23)


def test_demo_seed_builds_every_state(db, create_show, create_company, create_user) -> None:
    shows = [create_show(f"EXPO{y}", y) for y in (2024, 2025, 2026, 2027)]
    pool = [create_company(f"Exhibitor {n}", is_member=n % 4 == 0) for n in range(160)]
    users = {f"s{n}": create_user(Role.SALES) for n in range(3)}
    world = World(
        rng=random.Random(7),
        scale=1,
        shows=shows,
        companies=pool,
        exhibitor_pool=pool,
        visitor_companies=[],
        users=users,
        progress=lambda _m: None,
    )
    world.today = TODAY
    demo.seed(db, world)

    def states(model, column) -> set:
        return set(db.scalars(select(column).distinct()))

    assert states(Booth, Booth.status) == set(BoothStatus)
    assert states(Quote, Quote.status) == set(QuoteStatus)
    assert states(Contract, Contract.status) == set(ContractStatus)
    assert states(Invoice, Invoice.status) == set(InvoiceStatus)
    assert db.scalar(select(func.count(Payment.id)).where(Payment.amount < 0)) > 0  # refunds
    # The seeder writes booths in bulk, past the services' check: its plans must not overlap.
    for show in shows:
        for hall in services.halls(db, show):
            booths = services.list_booths(db, show, hall=hall)
            assert all(b.is_placed for b in booths)
            for a, b in combinations(booths, 2):
                apart = (
                    a.x + a.width <= b.x
                    or b.x + b.width <= a.x
                    or a.y + a.depth <= b.y
                    or b.y + b.depth <= a.y
                )
                assert apart, (show.code, a.code, b.code)
    current = shows[-1]
    assert invoicing_overdue(db, current)
    for show in shows:  # gapless invoice numbers, counters in step
        sequences = db.scalars(
            select(Invoice.sequence).where(Invoice.show_id == show.id).order_by(Invoice.sequence)
        ).all()
        assert sequences == list(range(1, len(sequences) + 1))
    by_show = defaultdict(set)
    for row in reports.exhibitor_editions(db):
        by_show[row.show_id].add(row.company_id)
    for before, after in zip(shows[:2], shows[1:3], strict=True):
        rate = len(by_show[before.id] & by_show[after.id]) / len(by_show[before.id])
        assert 0.6 <= rate <= 0.8, rate
    # The services carry on from the demo's numbers.
    booth = db.scalars(
        select(Booth).where(Booth.show_id == current.id, Booth.status == BoothStatus.AVAILABLE)
    ).first()
    quote = services.quote_booth(db, booth, pool[-1].id, None, today=TODAY)
    assert quote.number == f"Q-EXPO2027-{services.count_quotes(db, current):06d}"


def invoicing_overdue(db, show) -> list:
    from expo_crm.exhibitors.invoicing import overdue_invoices

    return overdue_invoices(db, show, today=TODAY)
