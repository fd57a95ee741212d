"""Build surveys, hand out personal links, and take answers (once per person).

A respondent is recognised only by a signed link naming the survey and the person: no
sign-in, and the link opens that person's own response and nothing else. Answers are
checked in full before anything is written, so a bad submission stores nothing; a second
submission replaces the first (one row per survey and person, unique in the database).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.directory.models import Person
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.shows.models import Show
from expo_crm.surveys.models import (
    Audience,
    QuestionType,
    ResponseSource,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyState,
)

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")
#: Longest free-text answer kept; a longer one is refused, not cut.
MAX_TEXT = 2000
#: Longest question, title or option wording.
MAX_WORDING = 500
MAX_OPTIONS = 20
MAX_QUESTIONS = 40
#: A personal link works this long after it was made.
LINK_MAX_AGE = 180 * 24 * 3600
SCALES = {QuestionType.RATING: (1, 5), QuestionType.NPS: (0, 10)}
#: Roles the organizer may let read the results (admins and sales always may).
GRANTABLE_ROLES = ("finance", "onsite")


# -- building ---------------------------------------------------------------------------------


def _wording(raw: Mapping[str, Any], field: str, required: bool = True) -> dict[str, str]:
    wording = {lang: " ".join(str(raw.get(lang) or "").split()) for lang in LANGUAGES}
    if required and not wording["en"]:
        raise ValidationError(field, _("Give the English wording."))
    if any(len(text) > MAX_WORDING for text in wording.values()):
        raise ValidationError(field, _("At most %(n)s characters.", n=MAX_WORDING))
    return {lang: text for lang, text in wording.items() if text}


def get_survey(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(_("No such survey."))
    return survey


def surveys_of(session: Session, show: Show) -> list[Survey]:
    return list(
        session.scalars(select(Survey).where(Survey.show_id == show.id).order_by(Survey.id))
    )


def create_survey(
    session: Session,
    show: Show,
    audience: Audience | str,
    title: Mapping[str, Any],
    intro: Mapping[str, Any] | None = None,
    user: Any = None,
) -> Survey:
    """Create a draft survey. Raise ValidationError on a bad audience or wording."""
    try:
        audience = Audience(audience)
    except ValueError as exc:
        raise ValidationError("audience", _("Choose visitors or exhibitors.")) from exc
    survey = Survey(
        show_id=show.id,
        audience=audience,
        title=_wording(title, "title"),
        intro=_wording(intro or {}, "intro", required=False),
        created_by_id=getattr(user, "id", None),
    )
    session.add(survey)
    session.flush()
    log.info("Survey %s created for %s by %s", survey.id, show.code, getattr(user, "email", "?"))
    return survey


def _options(raw: Any) -> list[dict[str, Any]]:
    """Parse options from lines ``value | English | 中文`` (or a list of dicts)."""
    if isinstance(raw, str):
        items = []
        for line in raw.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            en = parts[1] if len(parts) > 1 and parts[1] else parts[0]
            zh = parts[2] if len(parts) > 2 else ""
            items.append({"value": parts[0], "label": {"en": en, "zh": zh}})
        raw = items
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in raw or []:
        value = str(item.get("value", "")).strip()[:60]
        if not value or value in seen:
            continue
        seen.add(value)
        options.append({"value": value, "label": _wording(item.get("label") or {}, "options")})
    if len(options) > MAX_OPTIONS:
        raise ValidationError("options", _("At most %(n)s options.", n=MAX_OPTIONS))
    return options


def save_question(
    session: Session,
    survey: Survey,
    *,
    type: QuestionType | str,  # noqa: A002  (the question's type, as the form names it)
    label: Mapping[str, Any],
    options: Any = None,
    required: bool = False,
    exhibit_again: bool = False,
    question: SurveyQuestion | None = None,
) -> SurveyQuestion:
    """Add a question to a draft survey, or change one. Raise ValidationError or Conflict."""
    if survey.state is not SurveyState.DRAFT:
        raise Conflict(_("Questions can only change while the survey is a draft."))
    try:
        kind = QuestionType(type)
    except ValueError as exc:
        raise ValidationError("type", _("Choose a kind of question.")) from exc
    parsed = _options(options) if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE) else []
    if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE) and len(parsed) < 2:
        raise ValidationError("options", _("Give at least two options, one a line."))
    if exhibit_again and (
        kind is not QuestionType.NPS or survey.audience is not Audience.EXHIBITORS
    ):
        raise ValidationError(
            "exhibit_again", _("Only a 0–10 question to exhibitors can ask about exhibiting again.")
        )
    if question is None:
        if len(survey.questions) >= MAX_QUESTIONS:
            raise ValidationError("label", _("At most %(n)s questions.", n=MAX_QUESTIONS))
        question = SurveyQuestion(survey_id=survey.id, position=len(survey.questions))
        session.add(question)
        survey.questions.append(question)
    question.type = kind
    question.label = _wording(label, "label")
    question.options = parsed
    question.required = bool(required)
    question.exhibit_again = bool(exhibit_again)
    session.flush()
    return question


def delete_question(session: Session, survey: Survey, question: SurveyQuestion) -> None:
    if survey.state is not SurveyState.DRAFT:
        raise Conflict(_("Questions can only change while the survey is a draft."))
    survey.questions.remove(question)
    session.delete(question)
    for position, remaining in enumerate(survey.questions):
        remaining.position = position
    session.flush()


def get_question(survey: Survey, question_id: int) -> SurveyQuestion:
    for question in survey.questions:
        if question.id == question_id:
            return question
    raise NotFound(_("No such question."))


def set_state(session: Session, survey: Survey, state: SurveyState | str, user: Any = None) -> None:
    """Open a draft (it needs a question), or close an open survey. Raise Conflict."""
    state = SurveyState(state)
    if state is SurveyState.OPEN:
        if survey.state is SurveyState.OPEN:
            return
        if not survey.questions:
            raise Conflict(_("Add a question before opening the survey."))
        survey.opened_at = survey.opened_at or utcnow()
        survey.closed_at = None
    elif state is SurveyState.CLOSED:
        if survey.state is not SurveyState.OPEN:
            raise Conflict(_("Only an open survey can be closed."))
        survey.closed_at = utcnow()
    else:
        raise Conflict(_("A survey cannot go back to draft."))
    survey.state = state
    session.flush()
    log.info("Survey %s now %s (by %s)", survey.id, state, getattr(user, "email", "?"))


def grant_results(session: Session, survey: Survey, roles: list[str]) -> None:
    """Set which of finance and on-site may read the results."""
    survey.results_roles = [r for r in GRANTABLE_ROLES if r in set(roles)]
    session.flush()


def may_read_results(survey: Survey, role: str) -> bool:
    return role in ("admin", "sales") or role in (survey.results_roles or [])


# -- personal links ---------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="survey-link")


def link_token(survey: Survey, person_id: int, source: ResponseSource = ResponseSource.LINK) -> str:
    """The signed part of a person's link to a survey."""
    return _serializer().dumps({"s": survey.id, "p": person_id, "k": source.value})


def read_link(session: Session, token: str) -> tuple[Survey, Person, ResponseSource]:
    """Return the survey and person a link is for; raise ValidationError if it was altered
    or is too old, NotFound if either no longer exists."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as exc:
        raise ValidationError("token", _("This survey link has expired.")) from exc
    except BadSignature as exc:
        raise ValidationError("token", _("This survey link is not valid.")) from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("s", "p")):
        raise ValidationError("token", _("This survey link is not valid."))
    survey = session.get(Survey, data["s"])
    person = session.get(Person, data["p"])
    if survey is None or person is None:
        raise NotFound(_("This survey no longer exists."))
    try:
        source = ResponseSource(data.get("k", "link"))
    except ValueError:
        source = ResponseSource.LINK
    return survey, person, source


def response_of(session: Session, survey: Survey, person_id: int) -> SurveyResponse | None:
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.person_id == person_id
        )
    )


# -- answering --------------------------------------------------------------------------------


def _clean(question: SurveyQuestion, raw: Any) -> dict[str, Any] | None:
    """Check one answer; return its columns, or None when left empty."""
    values = raw if isinstance(raw, list) else [raw]
    values = [v.strip() if isinstance(v, str) else v for v in values if v not in (None, "")]
    if not values:
        if question.required:
            raise ValidationError(f"q{question.id}", _("Please answer this question."))
        return None
    if question.type in SCALES:
        low, high = SCALES[question.type]
        if len(values) != 1:
            raise ValidationError(f"q{question.id}", _("Give one number."))
        try:
            number = int(str(values[0]))
        except ValueError as exc:
            raise ValidationError(f"q{question.id}", _("Give a whole number.")) from exc
        if not low <= number <= high:
            raise ValidationError(
                f"q{question.id}", _("Give a number from %(low)s to %(high)s.", low=low, high=high)
            )
        return {"number": number, "choices": [], "text": None}
    if question.type is QuestionType.TEXT:
        text = "\n".join(str(v) for v in values)
        if len(text) > MAX_TEXT:
            raise ValidationError(
                f"q{question.id}", _("At most %(n)s characters, please.", n=MAX_TEXT)
            )
        return {"number": None, "choices": [], "text": text}
    offered = {o["value"] for o in question.options}
    chosen = [str(v) for v in values]
    unknown = [v for v in chosen if v not in offered]
    if unknown:
        raise ValidationError(f"q{question.id}", _("Choose one of the options offered."))
    if question.type is QuestionType.SINGLE and len(set(chosen)) != 1:
        raise ValidationError(f"q{question.id}", _("Choose only one option."))
    ordered = [o["value"] for o in question.options if o["value"] in set(chosen)]
    return {"number": None, "choices": ordered, "text": None}


def clean_answers(survey: Survey, raw: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """Check a whole submission ({"q<id>": value or [values]}); return {question id: columns}.

    Raise ValidationError on an unknown question, a number off the scale, an option not
    offered, too long a text or a missing required answer; nothing is written.
    """
    by_field = {f"q{q.id}": q for q in survey.questions}
    unknown = sorted(set(raw) - set(by_field))
    if unknown:
        raise ValidationError(unknown[0], _("This survey has no such question."))
    cleaned: dict[int, dict[str, Any]] = {}
    for field, question in by_field.items():
        answer = _clean(question, raw.get(field))
        if answer is not None:
            cleaned[question.id] = answer
    return cleaned


def _company_for(session: Session, survey: Survey, person: Person) -> int | None:
    from expo_crm.visitors.models import Registration

    registered = session.scalar(
        select(Registration.company_id).where(
            Registration.show_id == survey.show_id, Registration.person_id == person.id
        )
    )
    return registered or person.company_id


def submit(
    session: Session,
    survey: Survey,
    person: Person,
    raw: Mapping[str, Any],
    *,
    language: str = "en",
    source: ResponseSource = ResponseSource.LINK,
) -> SurveyResponse:
    """Store a person's answers, replacing any earlier ones (never a second response).

    Raise Conflict unless the survey is open, ValidationError on a bad answer (see
    :func:`clean_answers`); nothing is stored then.
    """
    if survey.state is not SurveyState.OPEN:
        raise Conflict(
            _("This survey is closed.")
            if survey.state is SurveyState.CLOSED
            else _("This survey is not open yet.")
        )
    cleaned = clean_answers(survey, raw)
    if not cleaned:
        raise ValidationError("answers", _("Please answer at least one question."))
    response = response_of(session, survey, person.id)
    if response is None:
        try:
            with session.begin_nested():
                response = SurveyResponse(
                    survey_id=survey.id,
                    person_id=person.id,
                    company_id=_company_for(session, survey, person),
                    source=source,
                    language="zh" if language.startswith("zh") else "en",
                    submissions=0,
                )
                session.add(response)
                session.flush()
        except IntegrityError:  # the same person submitted twice at once: take theirs
            response = response_of(session, survey, person.id)
            if response is None:
                raise
    response.answers.clear()
    session.flush()
    for question_id, columns in cleaned.items():
        response.answers.append(SurveyAnswer(question_id=question_id, **columns))
    response.submissions += 1
    response.updated_at = utcnow()
    response.language = "zh" if language.startswith("zh") else "en"
    session.flush()
    log.info("Survey %s answered by person %s (%s)", survey.id, person.id, response.submissions)
    return response


def answers_by_field(response: SurveyResponse | None) -> dict[str, Any]:
    """A response's answers as the form fields hold them (to show them again)."""
    if response is None:
        return {}
    found: dict[str, Any] = {}
    for answer in response.answers:
        if answer.number is not None:
            found[f"q{answer.question_id}"] = answer.number
        elif answer.text is not None:
            found[f"q{answer.question_id}"] = answer.text
        else:
            found[f"q{answer.question_id}"] = list(answer.choices)
    return found


def responses_count(session: Session, survey: Survey) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey.id)
        )
        or 0
    )


# -- the kiosk's last screen ------------------------------------------------------------------


def open_survey(session: Session, show_id: int, audience: Audience) -> Survey | None:
    """The edition's open survey for an audience (the latest opened), or None."""
    return session.scalar(
        select(Survey)
        .where(
            Survey.show_id == show_id,
            Survey.audience == audience,
            Survey.state == SurveyState.OPEN,
        )
        .order_by(Survey.opened_at.desc(), Survey.id.desc())
        .limit(1)
    )


def kiosk_offer(session: Session, registration: Any, language: str = "en") -> dict[str, Any] | None:
    """What the kiosk's last screen shows to offer the visitor survey, or None if none is open.

    ``{"title": ..., "url": ..., "qr_svg": ...}``: the visitor scans the QR code with their
    phone and answers there (the link is theirs alone, like an e-mailed one).
    """
    import qrcode
    import qrcode.image.svg

    from expo_crm.mail.outbox import public_url

    survey = open_survey(session, registration.show_id, Audience.VISITORS)
    if survey is None:
        return None
    url = public_url(
        "surveys_public.answer",
        token=link_token(survey, registration.person_id, ResponseSource.KIOSK),
    )
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return {
        "title": survey.text("zh" if language.startswith("zh") else "en"),
        "url": url,
        "qr_svg": image.to_string(encoding="unicode"),
    }
