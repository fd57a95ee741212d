"""Forms of the badges pages (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from expo_crm.badges.models import BadgeSize, LeadQuestionKind, LeadRating
from expo_crm.labels import choices

COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Give a colour as #rrggbb."))
SIZE_CHOICES = [(s.value, s.label) for s in BadgeSize]


class LayoutForm(FlaskForm):
    size = SelectField(_l("Badge size"), choices=SIZE_CHOICES)
    band_color = StringField(_l("Band colour"), validators=[DataRequired(), COLOUR])
    text_color = StringField(_l("Text colour on the band"), validators=[DataRequired(), COLOUR])
    valid_days = SelectMultipleField(_l("Admitted on (none ticked: every day)"), choices=[])


class GateSettingsForm(FlaskForm):
    deny_reentry = BooleanField(_l("Refuse badges already inside today (no pass-back)"))
    dedupe_seconds = IntegerField(
        _l("Repeat window (seconds): scans of a badge at one gate within it count once"),
        validators=[DataRequired(), NumberRange(5, 3600)],
    )


class PrintForm(FlaskForm):
    size = SelectField(_l("Size"), choices=[("", _l("Category default")), *SIZE_CHOICES])


class ReissueForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class BulkForm(FlaskForm):
    order = SelectField(
        _l("Sort by"), choices=[("surname", _l("Surname")), ("company", _l("Company"))]
    )
    unprinted_only = BooleanField(_l("Only badges not printed yet"))


class QuestionForm(FlaskForm):
    text = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Answer"), choices=lambda: choices(LeadQuestionKind))
    choices = TextAreaField(_l("Answers offered (one per line)"), validators=[Optional()])


class LeadForm(FlaskForm):
    """Rating and notes; answers to the exhibitor's questions are read as ``q<id>`` fields."""

    rating = RadioField(_l("Rating"), choices=lambda: choices(LeadRating), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
