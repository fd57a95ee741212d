from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from expo_crm.directory.models import Activity
from expo_crm.labels import choices


class CompanyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=100)])
    activity = SelectField(_l("Activity"), choices=lambda: [("", "—"), *choices(Activity)])
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(2, 2)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    address = TextAreaField(_l("Address"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    employees = IntegerField(_l("Employees"), validators=[Optional(), NumberRange(min=0)])
    is_member = BooleanField(_l("Association member"))

    def values(self) -> dict:
        data = {
            k: (v or None) if isinstance(v, str) else v
            for k, v in self.data.items()
            if k != "csrf_token"
        }
        data["activity"] = data["activity"] or None
        data["country"] = data["country"].upper() if data["country"] else None
        return data


class PersonForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    is_booking_contact = BooleanField(_l("Booking contact"))

    def values(self) -> dict:
        return {
            k: (v.strip() or None) if isinstance(v, str) else v
            for k, v in self.data.items()
            if k != "csrf_token"
        }


class MergeForm(FlaskForm):
    duplicate_id = IntegerField(_l("Duplicate record id"), validators=[DataRequired()])
