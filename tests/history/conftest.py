"""Fixtures for history tests: the follow-up factories, and listed participations."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from expo_crm.directory.models import Company
from expo_crm.history.models import MatchMethod, Participation
from expo_crm.history.names import name_key
from expo_crm.shows.models import Show
from tests.followup.conftest import (  # noqa: F401  (fixtures shared with follow-up tests)
    attend,
    make_contract,
    make_registration,
    three_editions,
)


@pytest.fixture
def listed(db) -> Callable[..., Participation]:
    """Record that an edition's imported list names a company (area and amount optional)."""

    def factory(
        show: Show,
        company: Company,
        area: str | int | None = None,
        amount: str | int | None = None,
        name: str | None = None,
    ) -> Participation:
        spelt = name or company.name
        row = Participation(
            show_id=show.id,
            company_id=company.id,
            listed_name=spelt,
            name_key=name_key(spelt),
            area_m2=None if area is None else Decimal(area),
            amount=None if amount is None else Decimal(amount),
            match=MatchMethod.NAME,
        )
        db.add(row)
        db.flush()
        return row

    return factory
