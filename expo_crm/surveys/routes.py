"""Back-office pages of feedback: build a survey, open it, invite, read the results."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.directory.panels import Panel, company_panel, person_panel
from expo_crm.errors import NotFound, ValidationError
from expo_crm.exports import table_response
from expo_crm.extensions import db
from expo_crm.i18n import current_locale_key
from expo_crm.mail.wording import mail_language
from expo_crm.shows.services import current_show, get_show, list_shows
from expo_crm.surveys import results, services
from expo_crm.surveys.models import Audience, QuestionType, SurveyState

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

#: Who builds and sends surveys (admins are always admitted).
BUILDERS = (Role.SALES,)
#: Who may open results; finance and on-site only where the organizer granted it.
READERS = (Role.SALES, Role.FINANCE, Role.ONSITE)


def _language() -> str:
    return mail_language(current_locale_key())


def _show() -> Any:
    code = request.args.get("show")
    show = get_show(db.session, code) if code else current_show(db.session)
    if show is None:
        raise NotFound(_("No show edition is set up yet."))
    return show


def _wording(prefix: str) -> dict[str, str]:
    return {lang: request.form.get(f"{prefix}_{lang}", "") for lang in services.LANGUAGES}


@bp.get("/")
@roles(*BUILDERS)
def index() -> str:
    show = _show()
    surveys = services.surveys_of(db.session, show)
    return render_template(
        "surveys/index.html",
        show=show,
        shows=list_shows(db.session),
        surveys=[(s, services.responses_count(db.session, s)) for s in surveys],
        audiences=list(Audience),
        language=_language(),
    )


@bp.post("/")
@roles(*BUILDERS)
def create() -> Response:
    show = get_show(db.session, request.form.get("show", ""))
    survey = services.create_survey(
        db.session, show, request.form.get("audience", ""), _wording("title"),
        _wording("intro"), current_user,
    )  # fmt: skip
    db.session.commit()
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.get("/<int:survey_id>")
@roles(*BUILDERS)
def edit(survey_id: int) -> str:
    survey = services.get_survey(db.session, survey_id)
    return render_template(
        "surveys/edit.html",
        survey=survey,
        types=list(QuestionType),
        language=_language(),
        responses=services.responses_count(db.session, survey),
        grantable=services.GRANTABLE_ROLES,
    )


@bp.post("/<int:survey_id>/questions")
@bp.post("/<int:survey_id>/questions/<int:question_id>")
@roles(*BUILDERS)
def save_question(survey_id: int, question_id: int | None = None) -> Response:
    survey = services.get_survey(db.session, survey_id)
    question = services.get_question(survey, question_id) if question_id else None
    services.save_question(
        db.session,
        survey,
        type=request.form.get("type", ""),
        label=_wording("label"),
        options=request.form.get("options", ""),
        required=bool(request.form.get("required")),
        exhibit_again=bool(request.form.get("exhibit_again")),
        question=question,
    )
    db.session.commit()
    flash(_("Question saved."), "success")
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.post("/<int:survey_id>/questions/<int:question_id>/delete")
@roles(*BUILDERS)
def delete_question(survey_id: int, question_id: int) -> Response:
    survey = services.get_survey(db.session, survey_id)
    services.delete_question(db.session, survey, services.get_question(survey, question_id))
    db.session.commit()
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.post("/<int:survey_id>/state")
@roles(*BUILDERS)
def set_state(survey_id: int) -> Response:
    survey = services.get_survey(db.session, survey_id)
    try:
        state = SurveyState(request.values.get("state", ""))
    except ValueError as exc:
        raise ValidationError("state", _("Unknown state.")) from exc
    services.set_state(db.session, survey, state, current_user)
    db.session.commit()
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.post("/<int:survey_id>/grant")
@roles(*BUILDERS)
def grant(survey_id: int) -> Response:
    survey = services.get_survey(db.session, survey_id)
    services.grant_results(db.session, survey, request.form.getlist("roles"))
    db.session.commit()
    flash(_("Access to the results saved."), "success")
    return redirect(url_for("surveys.edit", survey_id=survey.id))


@bp.get("/<int:survey_id>/results")
@roles(*READERS)
def results_page(survey_id: int) -> Any:
    survey = services.get_survey(db.session, survey_id)
    if not services.may_read_results(survey, str(current_user.role)):
        abort(403)
    language = _language()
    fmt = request.args.get("format")
    if fmt:
        headers, rows = results.export_rows(db.session, survey, language)
        return table_response(fmt, f"survey-{survey.id}", headers, rows)
    return render_template(
        "surveys/results.html",
        survey=survey,
        results=results.survey_results(db.session, survey, language),
        language=language,
    )


def _survey_panel(session: Any, **owner: int) -> Panel | None:
    if not (current_user.is_authenticated and current_user.role in (Role.ADMIN, Role.SALES)):
        return None
    found = results.answers_of(session, _language(), **owner)
    if not found:
        return None
    return Panel(
        title=_("Survey answers"),
        template="surveys/_answers_panel.html",
        context={"responses": found},
        order=70,
    )


@person_panel
def person_answers_panel(session: Any, person: Any) -> Panel | None:
    return _survey_panel(session, person_id=person.id)


@company_panel
def company_answers_panel(session: Any, company: Any) -> Panel | None:
    return _survey_panel(session, company_id=company.id)
