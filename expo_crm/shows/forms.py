from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp


class ShowForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{2,32}$")])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(1950, 2200)])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=100)])
    country = StringField(_l("Country (ISO code)"), validators=[DataRequired(), Length(2, 2)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    currency = StringField(_l("Currency (ISO code)"), validators=[DataRequired(), Length(3, 3)])
    phone_region = StringField(
        _l("Default phone region"), validators=[DataRequired(), Length(2, 2)]
    )
    timezone = StringField(_l("Time zone"), default="UTC", validators=[DataRequired()])
