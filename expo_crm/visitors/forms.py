from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from expo_crm.labels import choices
from expo_crm.visitors.models import QuestionKind, VisitorCategory

#: The categories people choose for themselves (the others are given by staff).
SELF_SERVICE_CATEGORIES = (VisitorCategory.TRADE, VisitorCategory.PUBLIC, VisitorCategory.PRESS)


class PreregistrationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=300)])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    category = SelectField(
        _l("I am visiting as"),
        choices=lambda: choices(VisitorCategory, SELF_SERVICE_CATEGORIES),
    )
    consent_marketing = BooleanField()
    consent_share = BooleanField()
    #: Left empty by people; bots fill every field.
    website_hp = HiddenField()


class QuestionForm(FlaskForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=50)])
    label_en = StringField(_l("Question (English)"), validators=[DataRequired(), Length(max=300)])
    label_zh = StringField(_l("Question (Chinese)"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Answer"), choices=lambda: choices(QuestionKind))
    options = TextAreaField(
        _l("Options, one per line: English | 中文"), validators=[Optional(), Length(max=5000)]
    )
    position = IntegerField(_l("Position"), default=0, validators=[NumberRange(0, 999)])
    required = BooleanField(_l("Required"))
    active = BooleanField(_l("Shown to visitors"), default=True)


class MergeDuplicateForm(FlaskForm):
    keep_id = IntegerField(_l("Keep"), validators=[DataRequired()])
