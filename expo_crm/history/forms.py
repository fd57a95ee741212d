"""Forms of the history pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class ImportForm(FlaskForm):
    file = FileField(_l("Exhibitor list (CSV or Excel)"), validators=[FileRequired()])
    show = StringField(
        _l("Edition code"),
        validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{2,32}$")],
        description=_l("An existing edition, or a new one (e.g. EXPO2019)."),
    )
    name = StringField(_l("Edition name, if new"), validators=[Optional(), Length(max=200)])
    opens = DateField(_l("Opening day, if new"), validators=[Optional()])
    encoding = StringField(
        _l("Text encoding, if not UTF-8"),
        validators=[Optional(), Length(max=30)],
        description=_l("For example cp1252 for a CSV saved by an older Excel."),
    )


class DecisionForm(FlaskForm):
    decision = RadioField(choices=[("same", "same"), ("different", "different")])
