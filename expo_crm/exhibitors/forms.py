"""Forms of the booth-sales pages (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from expo_crm.errors import ValidationError
from expo_crm.exhibitors.models import BoothType, PaymentMethod
from expo_crm.labels import choices

#: Methods a person records by hand (credits come from cancellations only).
MANUAL_METHODS = [m for m in PaymentMethod if m is not PaymentMethod.CREDIT]


def _method_choices() -> list[tuple[str, str]]:
    return choices(PaymentMethod, MANUAL_METHODS)


class BoothForm(FlaskForm):
    hall = StringField(_l("Hall"), validators=[DataRequired(), Length(max=20)])
    code = StringField(_l("Booth code"), validators=[DataRequired(), Length(max=20)])
    # Range checks are the service's (one message for page and API); the form only parses.
    area_m2 = DecimalField(_l("Area (m²)"), places=2, validators=[InputRequired()])
    booth_type = SelectField(_l("Type"), choices=lambda: choices(BoothType))
    open_sides = IntegerField(_l("Open sides (1–4)"), default=1, validators=[InputRequired()])
    # Both empty: the booth is not on the floor plan yet.
    x = DecimalField(_l("Position x (m)"), places=2, validators=[Optional()])
    y = DecimalField(_l("Position y (m)"), places=2, validators=[Optional()])
    width = DecimalField(_l("Width (m)"), places=2, default=3, validators=[Optional()])
    depth = DecimalField(_l("Depth (m)"), places=2, default=3, validators=[Optional()])

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k != "csrf_token"}


class BoothImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class HoldForm(FlaskForm):
    company_id = IntegerField(_l("Company"), validators=[DataRequired()])


class QuoteForm(FlaskForm):
    booth_id = IntegerField(_l("Booth"), validators=[DataRequired()])
    company_id = IntegerField(_l("Company"), validators=[DataRequired()])


class SignForm(FlaskForm):
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class PriceRulesForm(FlaskForm):
    """The price rules as fields; tiers are written one per line as ``threshold: percent``."""

    raw_space_price = DecimalField(_l("Raw space, price per m²"), validators=[InputRequired()])
    shell_scheme_price = DecimalField(
        _l("Shell scheme, price per m²"), validators=[InputRequired()]
    )
    extra_side_percent = DecimalField(
        _l("Premium per extra open side (percent of base)"), default=0, validators=[InputRequired()]
    )
    early_bird_deadline = DateField(_l("Early-bird deadline"), validators=[Optional()])
    early_bird_percent = DecimalField(
        _l("Early-bird discount (%)"), default=0, validators=[InputRequired()]
    )
    volume_tiers = TextAreaField(
        _l("Volume discounts, one per line: minimum m²: %"), validators=[Optional()]
    )
    member_percent = DecimalField(_l("Association member discount (%)"), default=0)
    returning_percent = DecimalField(_l("Returning exhibitor discount (%)"), default=0)
    first_time_percent = DecimalField(_l("First-time exhibitor discount (%)"), default=0)
    deposit_percent = DecimalField(_l("Deposit (percent of total)"), validators=[InputRequired()])
    deposit_due_days = IntegerField(
        _l("Deposit due, days after signing"), validators=[InputRequired()]
    )
    balance_due_days_before_show = IntegerField(
        _l("Balance due, days before the show"), validators=[InputRequired()]
    )
    quote_valid_days = IntegerField(_l("Quotes valid for (days)"), validators=[InputRequired()])
    cancellation_tiers = TextAreaField(
        _l("Cancellation fees, one per line: at least N days before the show: %"),
        validators=[Optional()],
    )

    def fill(self, rules: dict[str, Any]) -> None:
        """Show stored rules (their JSON form) in the fields."""
        prices = rules.get("price_per_m2", {})
        self.raw_space_price.data = _decimal(prices.get("raw_space"))
        self.shell_scheme_price.data = _decimal(prices.get("shell_scheme"))
        categories = rules.get("category_percent", {})
        for name in ("member", "returning", "first_time"):
            getattr(self, f"{name}_percent").data = _decimal(categories.get(name, 0))
        for name in ("extra_side_percent", "early_bird_percent", "deposit_percent"):
            getattr(self, name).data = _decimal(rules.get(name))
        for name in ("deposit_due_days", "balance_due_days_before_show", "quote_valid_days"):
            getattr(self, name).data = rules.get(name)
        deadline = rules.get("early_bird_deadline")
        self.early_bird_deadline.data = date.fromisoformat(deadline) if deadline else None
        self.volume_tiers.data = "\n".join(
            f"{t['min_area_m2']}: {t['percent']}" for t in rules.get("volume_tiers", [])
        )
        self.cancellation_tiers.data = "\n".join(
            f"{t['min_days_before']}: {t['fee_percent']}"
            for t in rules.get("cancellation_tiers", [])
        )

    def rules(self) -> dict[str, Any]:
        """The rules as data for ``parse_rules``; raise ValidationError on a bad tier line."""
        return {
            "price_per_m2": {
                "raw_space": str(self.raw_space_price.data),
                "shell_scheme": str(self.shell_scheme_price.data),
            },
            "extra_side_percent": str(self.extra_side_percent.data),
            "early_bird_deadline": (
                self.early_bird_deadline.data.isoformat() if self.early_bird_deadline.data else None
            ),
            "early_bird_percent": str(self.early_bird_percent.data or 0),
            "volume_tiers": [
                {"min_area_m2": a, "percent": p}
                for a, p in _tier_lines("volume_tiers", self.volume_tiers.data)
            ],
            "category_percent": {
                name: str(getattr(self, f"{name}_percent").data or 0)
                for name in ("member", "returning", "first_time")
            },
            "deposit_percent": str(self.deposit_percent.data),
            "deposit_due_days": self.deposit_due_days.data,
            "balance_due_days_before_show": self.balance_due_days_before_show.data,
            "quote_valid_days": self.quote_valid_days.data,
            "cancellation_tiers": [
                {"min_days_before": d, "fee_percent": p}
                for d, p in _tier_lines("cancellation_tiers", self.cancellation_tiers.data)
            ],
        }


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _tier_lines(field: str, text: str | None) -> list[tuple[str, str]]:
    tiers = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        threshold, sep, percent = line.partition(":")
        if not sep or not threshold.strip() or not percent.strip():
            raise ValidationError(
                field, _("Line %(n)s: write it as 'threshold: percent', e.g. '36: 3'.", n=number)
            )
        tiers.append((threshold.strip(), percent.strip().rstrip("%").strip()))
    return tiers


class PaymentForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=20)])
    method = SelectField(_l("Method"), choices=_method_choices)
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=100)])


class CancelForm(FlaskForm):
    confirm = HiddenField(default="yes")


class OnsiteChargeForm(FlaskForm):
    description = StringField(_l("For"), validators=[DataRequired(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=20)])
    method = SelectField(_l("Method"), choices=_method_choices)
