"""Factories for follow-up tests: contracts (with their booth and quote) and registrations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from expo_crm.directory.models import Company, Person
from expo_crm.exhibitors.models import (
    Booth,
    BoothStatus,
    BoothType,
    Contract,
    ContractStatus,
    Quote,
    QuoteStatus,
)
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory

_numbers = count(1)


@pytest.fixture
def make_contract(db) -> Callable[..., Contract]:
    def factory(
        show: Show,
        company: Company,
        total: str | int = "1000",
        area: str | int = "9",
        status: ContractStatus = ContractStatus.SIGNED,
        user: Any = None,
    ) -> Contract:
        n = next(_numbers)
        booth = Booth(
            show_id=show.id,
            hall="A",
            code=f"A-{n}",
            area_m2=Decimal(area),
            booth_type=BoothType.RAW_SPACE,
            status=BoothStatus.SOLD,
            company_id=company.id,
        )
        db.add(booth)
        db.flush()
        quote = Quote(
            number=f"Q-{n}",
            show_id=show.id,
            company_id=company.id,
            booth_id=booth.id,
            price_list_version=1,
            currency="BRL",
            subtotal=Decimal(total),
            discount_total=Decimal(0),
            total=Decimal(total),
            status=QuoteStatus.ACCEPTED,
            priced_on=date(show.year, 1, 1),
            valid_until=date(show.year, 2, 1),
            issued_by_id=user.id if user else None,
        )
        db.add(quote)
        db.flush()
        contract = Contract(
            number=f"C-{n}",
            show_id=show.id,
            company_id=company.id,
            quote_id=quote.id,
            booth_id=booth.id,
            currency="BRL",
            total=Decimal(total),
            area_m2=Decimal(area),
            status=status,
            deposit_percent=Decimal(30),
            deposit_due_on=date(show.year, 3, 1),
            balance_due_on=date(show.year, 9, 1),
            signed_by_id=user.id if user else None,
        )
        db.add(contract)
        db.flush()
        return contract

    return factory


@pytest.fixture
def make_registration(db, create_person) -> Callable[..., Registration]:
    def factory(
        show: Show,
        company: Company | None = None,
        person: Person | None = None,
        category: VisitorCategory = VisitorCategory.TRADE,
        **fields: Any,
    ) -> Registration:
        if person is None:
            n = next(_numbers)
            person = create_person(
                f"Visitor {n}",
                email=f"v{n}@example.com",
                company_id=company.id if company else None,
            )
        registration = Registration(
            show_id=show.id,
            person_id=person.id,
            company_id=company.id if company else None,
            category=category,
            source=RegistrationSource.PREREGISTERED,
            **fields,
        )
        db.add(registration)
        db.flush()
        return registration

    return factory


@pytest.fixture
def three_editions(create_show) -> list[Show]:
    return [create_show(f"EXPO{y}", y) for y in (2023, 2024, 2025)]


@pytest.fixture
def attend(db) -> Callable[..., None]:
    """Record gate check-ins on given days and leads by given exhibitor companies."""
    from datetime import UTC, datetime, time

    from expo_crm.badges.models import Badge, CheckIn, Lead

    def factory(
        registration: Registration, days: list[date] = (), booths: list[Company] = ()
    ) -> None:
        n = next(_numbers)
        badge = Badge(
            id=f"b{n}",
            code=f"code{n}",
            registration_id=registration.id,
            show_id=registration.show_id,
        )
        db.add(badge)
        db.flush()
        for k, day in enumerate(days):
            db.add(
                CheckIn(
                    badge_id=badge.id,
                    registration_id=registration.id,
                    show_id=registration.show_id,
                    gate="North",
                    day=day,
                    bucket=n * 100 + k,
                    scanned_at=datetime.combine(day, time(10), tzinfo=UTC),
                )
            )
        for company in booths:
            db.add(
                Lead(
                    show_id=registration.show_id,
                    company_id=company.id,
                    registration_id=registration.id,
                    badge_id=badge.id,
                )
            )
        db.flush()

    return factory
