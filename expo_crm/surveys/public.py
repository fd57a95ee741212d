"""The public survey page: a personal signed link, answered on a phone, no sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from expo_crm.auth.roles import public
from expo_crm.errors import DomainError, ValidationError
from expo_crm.extensions import db
from expo_crm.i18n import current_locale_key
from expo_crm.mail.wording import mail_language
from expo_crm.surveys import services
from expo_crm.surveys.models import SurveyState

bp = Blueprint("surveys_public", __name__)


def _submitted() -> dict[str, Any]:
    """The answers in the form: every ``q<id>`` field, lists for multiple choices."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in request.form.lists()
        if key != "csrf_token"
    }


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def answer(token: str) -> Any:
    """Show a person their survey (with their earlier answers) and take their answers."""
    language = mail_language(current_locale_key())
    try:
        survey, person, source = services.read_link(db.session, token)
    except ValidationError as exc:  # altered or too old
        return render_template("surveys/answer.html", error=exc.message), 400
    except DomainError as exc:
        return render_template("surveys/answer.html", error=exc.message), exc.status_code
    if survey.state is not SurveyState.OPEN:
        closed = survey.state is SurveyState.CLOSED
        return render_template(
            "surveys/answer.html", survey=survey, language=language, closed=closed
        ), 410 if closed else 404
    response = services.response_of(db.session, survey, person.id)
    values = services.answers_by_field(response)
    error: ValidationError | None = None
    if request.method == "POST":
        values = _submitted()
        try:
            services.submit(db.session, survey, person, values, language=language, source=source)
        except ValidationError as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
            return render_template(
                "surveys/answer.html", survey=survey, language=language, done=True
            )
    return render_template(
        "surveys/answer.html",
        survey=survey,
        person=person,
        language=language,
        values=values,
        answered=response is not None,
        field_error=error,
        token=token,
    ), (422 if error else 200)
