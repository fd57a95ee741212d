"""Forms of the followup pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from expo_crm.followup.models import InteractionKind, TaskOutcome, TaskStatus
from expo_crm.followup.prospects import DEFAULT_WEIGHTS, MAX_WEIGHT
from expo_crm.labels import choices, label


class SaveSegmentForm(FlaskForm):
    name = StringField(_l("Segment name"), validators=[DataRequired(), Length(max=200)])
    filters = HiddenField()


class BulkTaskForm(FlaskForm):
    campaign = StringField(_l("Campaign"), validators=[DataRequired(), Length(max=200)])
    title = StringField(_l("Task title"), validators=[DataRequired(), Length(max=300)])
    due_on = DateField(_l("Due on"), validators=[DataRequired()])
    per = SelectField(
        _l("One task per"), choices=[("person", _l("person")), ("company", _l("company"))]
    )
    assignment = SelectField(
        _l("Assign"),
        choices=[("round_robin", _l("round-robin")), ("territory", _l("by territory"))],
    )
    assignees = SelectMultipleField(_l("Sales users"), coerce=int, validators=[DataRequired()])
    top = IntegerField(
        _l("Top prospects"), default=50, validators=[Optional(), NumberRange(1, 100000)]
    )
    source = HiddenField()
    filters = HiddenField()


class TaskForm(FlaskForm):
    status = SelectField(_l("Status"), choices=lambda: choices(TaskStatus))
    outcome = SelectField(_l("Outcome"), choices=lambda: [("", "—"), *choices(TaskOutcome)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])


class InteractionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: choices(InteractionKind))
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=5000)])
    company_id = HiddenField()
    person_id = HiddenField()
    task_id = HiddenField()


class OptOutForm(FlaskForm):
    person_id = IntegerField(_l("Person id"), validators=[Optional()])
    company_id = IntegerField(_l("Company id"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Length(max=300)])


def weights_form(data: dict[str, float] | None = None) -> FlaskForm:
    """Build the weights form, one number field per prospect signal."""

    class WeightsForm(FlaskForm):
        pass

    for name in DEFAULT_WEIGHTS:
        setattr(
            WeightsForm,
            name,
            FloatField(
                label(name, "prospect_signal"),
                validators=[InputRequired(), NumberRange(0, MAX_WEIGHT)],
                default=(data or DEFAULT_WEIGHTS)[name],
            ),
        )
    return WeightsForm()
