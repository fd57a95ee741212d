"""Booth pricing: the organizer's rules (validated data) and the pure function that applies them.

How a price is built (the order is part of the rule, and the tests work it by hand):

1. ``base`` = area m² × price per m² of the booth type.
2. ``open_sides`` premium = base × premium % × (open sides − 1); base + premium is the
   *list price*.
3. Discounts are applied **one after the other on the running amount**, in this order:
   early bird (quote date on or before the deadline), volume (the highest area tier
   reached), association member, then returning *or* first-time exhibitor (never both).
   So 10 % then 5 % takes 14.5 % off, not 15 %.
4. Every line is rounded to cents half up (``money()``) as it is computed, and the total is
   the sum of the rounded lines, so a printed quote always adds up.

Cancellation fees come from tiers "cancelled at least N days before the show → P % of the
contract total": the tier with the largest N that the cancellation date reaches applies.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from expo_crm.db import money
from expo_crm.errors import ValidationError
from expo_crm.exhibitors.models import BoothType
from expo_crm.labels import register_codes, register_labels

HUNDRED = Decimal(100)
Percent = Field(ge=0, le=100)


class Category(enum.StrEnum):
    """Exhibitor categories that earn a discount."""

    MEMBER = "member"  #: member of the organizing association
    RETURNING = "returning"  #: had a live contract at the previous edition
    FIRST_TIME = "first_time"  #: never had a contract


register_labels(
    {
        Category.MEMBER: _l("Association member"),
        Category.RETURNING: _l("Returning exhibitor"),
        Category.FIRST_TIME: _l("First-time exhibitor"),
    }
)


class VolumeTier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_area_m2: Decimal = Field(gt=0)
    percent: Decimal = Percent


class CancellationTier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The tier applies when the contract is cancelled at least this many days before the show.
    min_days_before: int = Field(ge=0)
    fee_percent: Decimal = Percent


class PriceRules(BaseModel):
    """The price rules of one edition, as the organizer edits them."""

    model_config = ConfigDict(extra="forbid")

    price_per_m2: dict[BoothType, Decimal]
    #: Premium per open side beyond the first, in % of the base price.
    extra_side_percent: Decimal = Percent
    early_bird_deadline: date | None = None
    early_bird_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)
    volume_tiers: list[VolumeTier] = Field(default_factory=list)
    category_percent: dict[Category, Decimal] = Field(default_factory=dict)
    deposit_percent: Decimal = Field(default=Decimal(30), gt=0, le=100)
    #: The deposit is due this many days after signing.
    deposit_due_days: int = Field(default=30, ge=0, le=365)
    #: The balance is due this many days before the show opens.
    balance_due_days_before_show: int = Field(default=45, ge=0, le=730)
    quote_valid_days: int = Field(default=30, ge=1, le=365)
    cancellation_tiers: list[CancellationTier] = Field(default_factory=list)

    @field_validator("price_per_m2")
    @classmethod
    def _every_type_priced(cls, value: dict[BoothType, Decimal]) -> dict[BoothType, Decimal]:
        missing = [t.value for t in BoothType if t not in value]
        if missing:
            raise ValueError(_("give a price per m² for %(types)s", types=", ".join(missing)))
        if any(v <= 0 for v in value.values()):
            raise ValueError(_("prices per m² must be greater than zero"))
        return value

    @field_validator("category_percent")
    @classmethod
    def _percentages(cls, value: dict[Category, Decimal]) -> dict[Category, Decimal]:
        if any(not (0 <= v <= 100) for v in value.values()):
            raise ValueError(_("category discounts must be between 0 and 100 %"))
        return value

    @model_validator(mode="after")
    def _distinct_thresholds(self) -> PriceRules:
        areas = [t.min_area_m2 for t in self.volume_tiers]
        if len(set(areas)) != len(areas):
            raise ValueError(_("two volume tiers have the same minimum area"))
        days = [t.min_days_before for t in self.cancellation_tiers]
        if len(set(days)) != len(days):
            raise ValueError(_("two cancellation tiers start on the same day"))
        if self.early_bird_percent and self.early_bird_deadline is None:
            raise ValueError(_("an early-bird discount needs a deadline"))
        return self

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def parse_rules(data: Any) -> PriceRules:
    """Validate rules given as a dict (or JSON text); raise ValidationError with every problem."""
    try:
        if isinstance(data, str | bytes):
            return PriceRules.model_validate_json(data)
        return PriceRules.model_validate(data)
    except PydanticError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "rules"
            # Our own checks raise translated ValueErrors; show them without pydantic's
            # "Value error, " prefix. Pydantic's built-in messages stay English.
            cause = err.get("ctx", {}).get("error") if err["type"] == "value_error" else None
            problems.append(f"{where}: {cause if cause is not None else err['msg']}")
        raise ValidationError(
            "rules", _("Invalid price rules — %(problems)s", problems="; ".join(problems))
        ) from exc


def default_rules(show_starts_on: date) -> PriceRules:
    """Sensible starting rules for a new edition (the organizer edits them)."""
    return PriceRules(
        price_per_m2={BoothType.RAW_SPACE: Decimal(420), BoothType.SHELL_SCHEME: Decimal(510)},
        extra_side_percent=Decimal(10),
        early_bird_deadline=date(show_starts_on.year - 1, 12, 31),
        early_bird_percent=Decimal(8),
        volume_tiers=[
            VolumeTier(min_area_m2=Decimal(36), percent=Decimal(3)),
            VolumeTier(min_area_m2=Decimal(72), percent=Decimal(6)),
        ],
        category_percent={
            Category.MEMBER: Decimal(5),
            Category.RETURNING: Decimal(4),
            Category.FIRST_TIME: Decimal(2),
        },
        cancellation_tiers=[
            CancellationTier(min_days_before=91, fee_percent=Decimal(10)),
            CancellationTier(min_days_before=30, fee_percent=Decimal(50)),
            CancellationTier(min_days_before=0, fee_percent=Decimal(100)),
        ],
    )


#: What each pricing rule is called where a quote's lines are shown.
register_codes(
    "price_rule",
    {
        "base": _l("Base price"),
        "open_sides": _l("Open-side premium"),
        "early_bird": _l("Early-bird discount"),
        "volume": _l("Volume discount"),
        Category.MEMBER.value: _l("Association member discount"),
        Category.RETURNING.value: _l("Returning exhibitor discount"),
        Category.FIRST_TIME.value: _l("First-time exhibitor discount"),
    },
)


@dataclass(frozen=True)
class PriceLine:
    rule: str
    description: str
    amount: Decimal
    #: The rule value behind the line (price per m², %), recorded with the quote.
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Price:
    lines: list[PriceLine]
    subtotal: Decimal  #: list price: base + open-side premium
    discount_total: Decimal  #: negative or zero
    total: Decimal


def price_booth(
    rules: PriceRules,
    *,
    booth_type: BoothType,
    area_m2: Decimal,
    open_sides: int,
    categories: set[Category],
    quoted_on: date,
) -> Price:
    """Price one booth for a company in ``categories`` on ``quoted_on`` (pure: no database)."""
    if area_m2 <= 0:
        raise ValidationError("area_m2", _("A booth's area must be greater than zero."))
    if not 1 <= open_sides <= 4:
        raise ValidationError("open_sides", _("A booth has 1 to 4 open sides."))
    unit = rules.price_per_m2[booth_type]
    base = money(area_m2 * unit)
    lines = [
        PriceLine(
            "base",
            f"{area_m2} m² {booth_type.value.replace('_', ' ')} × {unit}",
            base,
            {"price_per_m2": str(unit), "area_m2": str(area_m2), "booth_type": booth_type.value},
        )
    ]
    extra = open_sides - 1
    if extra and rules.extra_side_percent:
        premium = money(base * rules.extra_side_percent * extra / HUNDRED)
        lines.append(
            PriceLine(
                "open_sides",
                f"{extra} extra open side(s) × {rules.extra_side_percent} %",
                premium,
                {"percent": str(rules.extra_side_percent), "extra_sides": str(extra)},
            )
        )
    subtotal = sum((line.amount for line in lines), Decimal(0))
    running = subtotal

    discounts: list[tuple[str, str, Decimal, dict[str, str]]] = []
    if (
        rules.early_bird_deadline
        and rules.early_bird_percent
        and quoted_on <= rules.early_bird_deadline
    ):
        discounts.append(
            (
                "early_bird",
                f"Early bird (until {rules.early_bird_deadline})",
                rules.early_bird_percent,
                {"until": rules.early_bird_deadline.isoformat()},
            )
        )
    reached = [t for t in rules.volume_tiers if area_m2 >= t.min_area_m2]
    if reached:
        tier = max(reached, key=lambda t: t.min_area_m2)
        discounts.append(
            (
                "volume",
                f"Volume ≥ {tier.min_area_m2} m²",
                tier.percent,
                {"min_area_m2": str(tier.min_area_m2)},
            )
        )
    labels = {
        Category.MEMBER: "Association member",
        Category.RETURNING: "Returning exhibitor",
        Category.FIRST_TIME: "First-time exhibitor",
    }
    for category in (Category.MEMBER, Category.RETURNING, Category.FIRST_TIME):
        percent = rules.category_percent.get(category)
        if category in categories and percent:
            discounts.append((category.value, labels[category], percent, {}))

    for rule, label, percent, detail in discounts:
        amount = -money(running * percent / HUNDRED)
        lines.append(
            PriceLine(rule, f"{label} −{percent} %", amount, {"percent": str(percent), **detail})
        )
        running += amount
    total = sum((line.amount for line in lines), Decimal(0))
    return Price(lines=lines, subtotal=subtotal, discount_total=total - subtotal, total=total)


def cancellation_percent(rules: PriceRules, days_before_show: int) -> Decimal:
    """Return the fee % for a cancellation this many days before the show (0 with no tiers).

    Below the lowest tier (e.g. after the show opened) the highest fee applies.
    """
    tiers = rules.cancellation_tiers
    if not tiers:
        return Decimal(0)
    reached = [t for t in tiers if days_before_show >= t.min_days_before]
    if not reached:
        return max(t.fee_percent for t in tiers)
    return max(reached, key=lambda t: t.min_days_before).fee_percent


def cancellation_fee(rules: PriceRules, total: Decimal, days_before_show: int) -> Decimal:
    """Return the fee kept when a contract of ``total`` is cancelled ``days_before_show``."""
    return money(total * cancellation_percent(rules, days_before_show) / HUNDRED)
