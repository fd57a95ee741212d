"""Price rules worked by hand: the pure pricing function and the rules' validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from expo_crm.errors import ValidationError
from expo_crm.exhibitors.models import BoothType
from expo_crm.exhibitors.pricing import (
    Category,
    cancellation_fee,
    cancellation_percent,
    parse_rules,
    price_booth,
)

from .conftest import RULES

D = Decimal
EARLY = date(2026, 3, 1)
LATE = date(2026, 4, 1)


@pytest.fixture
def rules():
    return parse_rules(RULES)


def test_corner_booth_with_early_bird_and_member_discount(rules) -> None:
    # 18 m² shell scheme at 500/m² = 9000.00; corner = 1 extra open side × 10 % = 900.00;
    # list price 9900.00. Early bird 10 % of 9900.00 = 990.00 → 8910.00;
    # member 5 % of the running 8910.00 = 445.50 → 8464.50 (sequential, not 15 % of 9900).
    price = price_booth(
        rules,
        booth_type=BoothType.SHELL_SCHEME,
        area_m2=D(18),
        open_sides=2,
        categories={Category.MEMBER},
        quoted_on=EARLY,
    )
    assert [(line.rule, line.amount) for line in price.lines] == [
        ("base", D("9000.00")),
        ("open_sides", D("900.00")),
        ("early_bird", D("-990.00")),
        ("member", D("-445.50")),
    ]
    assert price.subtotal == D("9900.00")
    assert price.discount_total == D("-1435.50")
    assert price.total == D("8464.50")


def test_early_bird_ends_after_the_deadline_and_categories_stack(rules) -> None:
    # Same booth on 1 April: no early bird. 9900.00 − member 5 % (495.00) = 9405.00;
    # first-time 2 % of 9405.00 = 188.10 → 9216.90.
    price = price_booth(
        rules,
        booth_type=BoothType.SHELL_SCHEME,
        area_m2=D(18),
        open_sides=2,
        categories={Category.MEMBER, Category.FIRST_TIME},
        quoted_on=LATE,
    )
    assert [line.rule for line in price.lines] == ["base", "open_sides", "member", "first_time"]
    assert price.total == D("9216.90")
    on_deadline = price_booth(
        rules,
        booth_type=BoothType.SHELL_SCHEME,
        area_m2=D(18),
        open_sides=2,
        categories=set(),
        quoted_on=date(2026, 3, 31),
    )
    assert on_deadline.total == D("8910.00")


@pytest.mark.parametrize(
    ("area", "expected_lines", "total"),
    [
        # 35.5 m² raw at 400 = 14200.00: below the 36 m² tier, no volume discount.
        ("35.5", [("base", "14200.00")], "14200.00"),
        # 36 m² = 14400.00, tier 36 m² → 3 % = 432.00 → 13968.00.
        ("36", [("base", "14400.00"), ("volume", "-432.00")], "13968.00"),
        # 72 m² = 28800.00, highest tier reached (72 m²) → 6 % = 1728.00 → 27072.00.
        ("72", [("base", "28800.00"), ("volume", "-1728.00")], "27072.00"),
    ],
)
def test_volume_thresholds(rules, area, expected_lines, total) -> None:
    price = price_booth(
        rules,
        booth_type=BoothType.RAW_SPACE,
        area_m2=D(area),
        open_sides=1,
        categories=set(),
        quoted_on=LATE,
    )
    assert [(line.rule, line.amount) for line in price.lines] == [
        (r, D(a)) for r, a in expected_lines
    ]
    assert price.total == D(total)


def test_island_booth_premium_and_rounding_half_up() -> None:
    # 12.5 m² × 333.33 = 4166.625 → 4166.63 (half up; banker's rounding would give 4166.62).
    # Island: 3 extra sides × 10 % of 4166.63 = 1249.989 → 1249.99; list 5416.62.
    # Returning 4 % of 5416.62 = 216.6648 → 216.66 → 5199.96.
    rules = parse_rules({**RULES, "price_per_m2": {"raw_space": "333.33", "shell_scheme": "400"}})
    price = price_booth(
        rules,
        booth_type=BoothType.RAW_SPACE,
        area_m2=D("12.5"),
        open_sides=4,
        categories={Category.RETURNING},
        quoted_on=LATE,
    )
    assert [line.amount for line in price.lines] == [D("4166.63"), D("1249.99"), D("-216.66")]
    assert price.total == D("5199.96")
    assert sum(line.amount for line in price.lines) == price.total


@pytest.mark.parametrize(
    ("days", "percent", "fee"),
    [
        (200, "10", "846.45"),  # ≥ 91 days: 10 % of 8464.50 = 846.45
        (91, "10", "846.45"),
        (90, "50", "4232.25"),  # 30–90 days: 50 %
        (30, "50", "4232.25"),
        (29, "100", "8464.50"),  # < 30 days: everything
        (0, "100", "8464.50"),
        (-2, "100", "8464.50"),  # after the show opened
    ],
)
def test_cancellation_fee_tiers(rules, days, percent, fee) -> None:
    assert cancellation_percent(rules, days) == D(percent)
    assert cancellation_fee(rules, D("8464.50"), days) == D(fee)


def test_cancellation_fee_rounds_half_up(rules) -> None:
    # 10 % of 100.05 = 10.005 → 10.01
    assert cancellation_fee(rules, D("100.05"), 120) == D("10.01")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price_per_m2": {"raw_space": "400"}}, "shell_scheme"),
        ({"price_per_m2": {"raw_space": "-1", "shell_scheme": "500"}}, "greater than zero"),
        ({"early_bird_percent": "120"}, "early_bird_percent"),
        ({"volume_tiers": [{"min_area_m2": "-5", "percent": "3"}]}, "min_area_m2"),
        ({"category_percent": {"vip": "5"}}, "category_percent"),
        ({"surprise": 1}, "surprise"),
        (
            {"cancellation_tiers": [{"min_days_before": 30, "fee_percent": "5"}] * 2},
            "same day",
        ),
    ],
)
def test_malformed_rules_are_refused_with_a_clear_message(change, message) -> None:
    with pytest.raises(ValidationError) as err:
        parse_rules({**RULES, **change})
    assert message in err.value.message
    assert err.value.message.startswith("Invalid price rules")


def test_rules_as_json_text_and_bad_json() -> None:
    import json

    assert parse_rules(json.dumps(RULES)).deposit_percent == D(30)
    with pytest.raises(ValidationError, match="Invalid price rules"):
        parse_rules("{not json")


def test_pricing_refuses_impossible_booths(rules) -> None:
    with pytest.raises(ValidationError, match="greater than zero"):
        price_booth(
            rules,
            booth_type=BoothType.RAW_SPACE,
            area_m2=D(-9),
            open_sides=1,
            categories=set(),
            quoted_on=LATE,
        )
