"""Two sales users selling the same booth (or placing booths on the same spot) at the same
moment, on PostgreSQL for real."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.directory.models import Company
from expo_crm.errors import Conflict, ValidationError
from expo_crm.exhibitors import invoicing, services
from expo_crm.exhibitors.contracts import sign_contract
from expo_crm.exhibitors.models import Booth, BoothStatus, BoothType, Contract, Invoice, Quote
from expo_crm.shows.models import Show

from .conftest import RULES

pytestmark = pytest.mark.postgres
SIGNED_ON = date(2026, 3, 1)


def _setup(db, companies: int) -> tuple[int, list[int]]:
    """Commit an edition, one booth and a quote per company; return (booth id, quote ids)."""
    with Session(db.engine) as session:
        show = Show(
            code="EXPO2026",
            name="ExpoTech 2026",
            year=2026,
            venue="Hall",
            city="SP",
            country="BR",
            starts_on=date(2026, 10, 6),
            ends_on=date(2026, 10, 9),
            currency="BRL",
            phone_region="BR",
        )
        session.add(show)
        session.flush()
        services.save_price_rules(session, show, RULES, None)
        booth = services.create_booth(
            session,
            show,
            hall="A",
            code="A-1",
            area_m2=Decimal(18),
            booth_type=BoothType.SHELL_SCHEME,
            open_sides=2,
        )
        quotes = []
        for n in range(companies):
            company = Company(name=f"Rival {n}", normalized_name=f"rival {n}")
            session.add(company)
            session.flush()
            quotes.append(
                services.quote_booth(session, booth, company.id, None, today=SIGNED_ON).id
            )
        session.commit()
        return booth.id, quotes


def _race(db, work, n: int) -> list[object]:
    """Run ``work(session, i)`` in n threads released together; each commits or rolls back."""
    engine = db.engine  # read in the app context; the threads have none
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                results[i] = work(session, i)
                session.commit()
            except Exception as exc:  # noqa: BLE001  (the test inspects what each thread got)
                session.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_concurrent_sales_of_one_booth_exactly_one_wins(committed_db) -> None:
    booth_id, quote_ids = _setup(committed_db, 4)

    def sell(session: Session, i: int) -> str:
        quote = session.get(Quote, quote_ids[i])
        return sign_contract(session, quote, None, today=SIGNED_ON).number

    results = _race(committed_db, sell, 4)
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert len(losers) == 3, results
    assert all("already sold" in str(r) for r in losers)
    with Session(committed_db.engine) as session:
        assert session.scalar(select(func.count(Contract.id))) == 1
        assert session.get(Booth, booth_id).status is BoothStatus.SOLD
        # Only the winner's two invoices exist, numbered 1 and 2: the losers' rolled back.
        assert session.scalars(select(Invoice.sequence).order_by(Invoice.sequence)).all() == [1, 2]


def test_database_refuses_a_second_live_contract_for_a_booth(committed_db) -> None:
    """Even bypassing the service, the partial unique index stops a double sale."""
    from sqlalchemy.exc import IntegrityError

    _booth_id, quote_ids = _setup(committed_db, 2)
    with Session(committed_db.engine) as session:
        first = sign_contract(session, session.get(Quote, quote_ids[0]), None, today=SIGNED_ON)
        session.commit()
        clone = Contract(
            number="C-FAKE",
            show_id=first.show_id,
            company_id=first.company_id,
            quote_id=quote_ids[1],
            booth_id=first.booth_id,
            currency="BRL",
            total=first.total,
            area_m2=first.area_m2,
            deposit_percent=first.deposit_percent,
            deposit_due_on=first.deposit_due_on,
            balance_due_on=first.balance_due_on,
        )
        session.add(clone)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_concurrent_invoices_are_numbered_without_gaps_or_duplicates(committed_db) -> None:
    _setup(committed_db, 1)

    def issue(session: Session, i: int) -> list[str]:
        show = session.scalar(select(Show))
        company = session.scalar(select(Company))
        numbers = []
        for _ in range(5):
            numbers.append(
                invoicing.issue_invoice(
                    session,
                    show,
                    company_id=company.id,
                    kind=invoicing.InvoiceKind.ONSITE,
                    amount=Decimal("10.00"),
                    due_on=SIGNED_ON,
                    issued_on=SIGNED_ON,
                ).number
            )
        if i == 0:
            raise RuntimeError("this thread rolls back: its numbers must not leave a gap")
        return numbers

    results = _race(committed_db, issue, 6)
    assert sum(isinstance(r, RuntimeError) for r in results) == 1
    issued = [n for r in results if isinstance(r, list) for n in r]
    assert len(issued) == len(set(issued)) == 25
    with Session(committed_db.engine) as session:
        sequences = session.scalars(select(Invoice.sequence).order_by(Invoice.sequence)).all()
    assert sequences == list(range(1, 26))


def test_concurrent_quotes_for_the_same_company_and_booth_are_one_quote(committed_db) -> None:
    booth_id, quote_ids = _setup(committed_db, 1)
    with Session(committed_db.engine) as session:
        first = session.get(Quote, quote_ids[0])
        company_id = first.company_id
        session.delete(first)  # start from no quote at all
        for line in first.lines:
            session.delete(line)
        session.commit()

    def ask(session: Session, i: int) -> str:
        booth = session.get(Booth, booth_id)
        return services.quote_booth(session, booth, company_id, None, today=SIGNED_ON).number

    results = _race(committed_db, ask, 4)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    with Session(committed_db.engine) as session:
        assert session.scalar(select(func.count(Quote.id))) == 1


def test_a_booth_placed_while_another_is_being_placed_waits_and_is_checked(
    committed_db,
) -> None:
    """The second placement waits for the first transaction, then sees its booth."""
    _setup(committed_db, 0)
    engine = committed_db.engine

    def place(session: Session, code: str, x: int) -> str:
        booth = services.create_booth(
            session,
            session.scalar(select(Show)),
            hall="A",
            code=code,
            area_m2=Decimal(9),
            booth_type=BoothType.SHELL_SCHEME,
            x=Decimal(x),
            y=Decimal(0),
        )
        return booth.code

    second: list[object] = []

    def place_second() -> None:
        with Session(engine) as session:
            try:
                second.append(place(session, "A-12", 1))
                session.commit()
            except ValidationError as exc:
                session.rollback()
                second.append(exc)

    with Session(engine) as first:
        place(first, "A-11", 0)  # flushed, not committed
        thread = threading.Thread(target=place_second)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # waiting for the first transaction
        first.commit()
    thread.join(timeout=30)
    assert len(second) == 1
    assert isinstance(second[0], ValidationError), second
    assert second[0].message == "Booth A-12 overlaps booth A-11 in hall A."
    with Session(engine) as session:
        placed = session.scalars(select(Booth.code).where(Booth.x.is_not(None))).all()
    assert placed == ["A-11"]
