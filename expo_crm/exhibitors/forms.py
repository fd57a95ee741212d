"""Forms of the booth-sales pages (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from typing import Any

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

from expo_crm.exhibitors.models import BoothType, PaymentMethod

BOOTH_TYPE_LABELS = {
    BoothType.RAW_SPACE: _l("Raw space"),
    BoothType.SHELL_SCHEME: _l("Shell scheme"),
}
METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.CASH: _l("Cash (on site)"),
    PaymentMethod.ONSITE_CARD: _l("Card terminal (on site)"),
}


class BoothForm(FlaskForm):
    hall = StringField(_l("Hall"), validators=[DataRequired(), Length(max=20)])
    code = StringField(_l("Booth code"), validators=[DataRequired(), Length(max=20)])
    # Range checks are the service's (one message for page and API); the form only parses.
    area_m2 = DecimalField(_l("Area (m²)"), places=2, validators=[InputRequired()])
    booth_type = SelectField(
        _l("Type"), choices=[(t.value, label) for t, label in BOOTH_TYPE_LABELS.items()]
    )
    open_sides = IntegerField(_l("Open sides (1–4)"), default=1, validators=[InputRequired()])
    x = DecimalField(_l("Position x (m)"), places=2, default=0, validators=[Optional()])
    y = DecimalField(_l("Position y (m)"), places=2, default=0, validators=[Optional()])
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
    rules = TextAreaField(_l("Price rules (JSON)"), validators=[DataRequired()])


class PaymentForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=20)])
    method = SelectField(
        _l("Method"), choices=[(m.value, label) for m, label in METHOD_LABELS.items()]
    )
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=100)])


class CancelForm(FlaskForm):
    confirm = HiddenField(default="yes")


class OnsiteChargeForm(FlaskForm):
    description = StringField(_l("For"), validators=[DataRequired(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[DataRequired(), Length(max=20)])
    method = SelectField(
        _l("Method"), choices=[(m.value, label) for m, label in METHOD_LABELS.items()]
    )
