"""A quote's lines in the reader's language.

A quote keeps its lines as priced: the rule, the amount and a record of the computation in
English. Pages word each line from its rule and the values it was priced with, which the
pure pricing function gives again from the quote's snapshot (rules, booth, categories, date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _

from expo_crm.errors import DomainError
from expo_crm.exhibitors.models import BoothType, Quote
from expo_crm.exhibitors.pricing import Category, PriceLine, parse_rules, price_booth
from expo_crm.i18n import money
from expo_crm.labels import label


def line_words(quote: Quote) -> dict[int, str]:
    """Return each line's description in the current language, by position; empty when the
    snapshot does not price the quote's lines again (a line then shows its record)."""
    snapshot = quote.rules_snapshot or {}
    booth = snapshot.get("booth") or {}
    try:
        price = price_booth(
            parse_rules(snapshot["rules"]),
            booth_type=BoothType(booth["booth_type"]),
            area_m2=Decimal(booth["area_m2"]),
            open_sides=int(booth["open_sides"]),
            categories={Category(c) for c in snapshot.get("categories", []) if c in set(Category)},
            quoted_on=quote.priced_on,
        )
    except (KeyError, TypeError, ValueError, ArithmeticError, DomainError):
        return {}
    if [(line.rule, line.amount) for line in price.lines] != [
        (line.rule, line.amount) for line in quote.lines
    ]:
        return {}
    positions = [line.position for line in quote.lines]
    return {
        position: describe(line, quote.currency)
        for position, line in zip(positions, price.lines, strict=True)
    }


def describe(line: PriceLine, currency: str) -> str:
    """Word one priced line (``12 m² raw space × R$350.00``) in the current language."""
    detail = line.detail
    percent = format_percent(Decimal(detail.get("percent", "0")) / 100, "#,##0.##%")
    if line.rule == "base":
        return _(
            "%(area)s m² %(type)s × %(price)s",
            area=format_decimal(Decimal(detail["area_m2"])),
            type=label(BoothType(detail["booth_type"])),
            price=money(Decimal(detail["price_per_m2"]), currency),
        )
    if line.rule == "open_sides":
        return _(
            "%(sides)s extra open side(s) × %(percent)s",
            sides=detail["extra_sides"],
            percent=percent,
        )
    if line.rule == "early_bird":
        until = format_date(date.fromisoformat(detail["until"]))
        return _("Early bird until %(date)s: −%(percent)s", date=until, percent=percent)
    if line.rule == "volume":
        area = format_decimal(Decimal(detail["min_area_m2"]))
        return _("Volume from %(area)s m²: −%(percent)s", area=area, percent=percent)
    return _("%(category)s: −%(percent)s", category=label(Category(line.rule)), percent=percent)
