"""Fixtures for booth sales: an edition with known price rules, booths, a sales user."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from expo_crm.exhibitors import services
from expo_crm.exhibitors.models import Booth, BoothType

#: The rules every worked example in these tests is computed with (show opens 2026-10-06).
RULES: dict[str, Any] = {
    "price_per_m2": {"raw_space": "400", "shell_scheme": "500"},
    "extra_side_percent": "10",
    "early_bird_deadline": "2026-03-31",
    "early_bird_percent": "10",
    "volume_tiers": [
        {"min_area_m2": "36", "percent": "3"},
        {"min_area_m2": "72", "percent": "6"},
    ],
    "category_percent": {"member": "5", "returning": "4", "first_time": "2"},
    "deposit_percent": "30",
    "deposit_due_days": 30,
    "balance_due_days_before_show": 45,
    "quote_valid_days": 30,
    "cancellation_tiers": [
        {"min_days_before": 91, "fee_percent": "10"},
        {"min_days_before": 30, "fee_percent": "50"},
        {"min_days_before": 0, "fee_percent": "100"},
    ],
}


@pytest.fixture
def show(db, create_show):
    show = create_show()
    services.save_price_rules(db, show, RULES, None)
    return show


@pytest.fixture
def create_booth(db, show) -> Callable[..., Booth]:
    counter = iter(range(1, 10**6))

    def factory(**fields: Any) -> Booth:
        target = fields.pop("show", show)
        values: dict[str, Any] = {
            "hall": "A",
            "code": f"A-{next(counter):03d}",
            "area_m2": Decimal(18),
            "booth_type": BoothType.SHELL_SCHEME,
            "open_sides": 2,
        }
        values.update(fields)
        return services.create_booth(db, target, **values)

    return factory
