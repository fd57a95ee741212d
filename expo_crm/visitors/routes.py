"""Back-office pages of the visitors domain, and the public pre-registration page."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from expo_crm.auth.roles import STAFF, Role, public, roles
from expo_crm.directory.panels import Panel, person_panel
from expo_crm.errors import NotFound, ValidationError
from expo_crm.exports import table_response
from expo_crm.extensions import db
from expo_crm.i18n import current_locale_key
from expo_crm.labels import register_codes
from expo_crm.shows.services import current_show, get_show, list_shows
from expo_crm.visitors.accuracy import capture_accuracy, capture_counts
from expo_crm.visitors.consents import consent_wording
from expo_crm.visitors.duplicates import get_flag, open_duplicates, resolve_duplicate
from expo_crm.visitors.forms import MergeDuplicateForm, PreregistrationForm, QuestionForm
from expo_crm.visitors.models import (
    ConsentKind,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    VisitorCategory,
)
from expo_crm.visitors.questionnaire import (
    answer_labels,
    customize,
    format_options,
    parse_options,
    questions_for,
    saved_questions,
)
from expo_crm.visitors.registering import register_visitor
from expo_crm.visitors.registrations import person_registrations, registrations_query

bp = Blueprint("visitors", __name__, url_prefix="/visitors")


@bp.app_template_filter("answer")
def answer_text(value: Any, key: str) -> str:
    """Show a stored answer to question ``key`` (an option's value, also the industry typed on
    a company) as the current edition's questionnaire words it in the reader's language;
    other text is shown as it is."""
    if not value:
        return ""
    words = g.get("answer_words")
    if words is None:
        show = current_show(db.session)
        words = answer_labels(db.session, show, current_locale_key()) if show else {}
        g.answer_words = words
    return str(words.get(key, {}).get(str(value), value))


ORGANIZERS = (Role.SALES,)
MERGERS = (Role.SALES, Role.ONSITE)


def _selected_show() -> Any:
    code = request.args.get("show")
    show = get_show(db.session, code) if code else current_show(db.session)
    if show is None:
        raise NotFound(_("No show edition is set up yet."))
    return show


@bp.get("/")
@roles(*STAFF)
def index() -> Any:
    show = _selected_show()
    q = request.args.get("q", "").strip()
    category = request.args.get("category") or None
    if category not in {c.value for c in VisitorCategory}:
        category = None
    query = registrations_query(show, search=q or None, category=category)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(query, fmt, show.code)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "visitors/index.html",
        page=page,
        show=show,
        shows=list_shows(db.session),
        q=q,
        category=category,
        categories=list(VisitorCategory),
    )


EXPORT_COLUMNS = [
    "name", "email", "phone", "company", "category", "source", "industry", "job_function",
    "purchasing_role", "consent_marketing", "consent_share", "registered_at",
]  # fmt: skip


def _export(query: Any, fmt: str, code: str) -> Response:
    """Stream the registrations of the list as CSV or Excel (people and companies joined)."""
    query = query.options(joinedload(Registration.person), joinedload(Registration.company))
    rows = (
        [
            r.person.full_name,
            r.person.email,
            r.person.phone,
            r.company.name if r.company else None,
            r.category,
            r.source,
            r.industry,
            r.job_function,
            r.purchasing_role,
            r.consent_marketing,
            r.consent_share,
            r.created_at,
        ]  # fmt: skip
        for r in db.session.scalars(query)
    )
    return table_response(fmt, f"registrations-{code}", EXPORT_COLUMNS, rows)


# -- near-duplicates ---------------------------------------------------------------------------


@bp.get("/duplicates")
@roles(*MERGERS)
def duplicates() -> str:
    page = db.paginate(open_duplicates(db.session), per_page=50, error_out=False)
    return render_template("visitors/duplicates.html", page=page, form=MergeDuplicateForm())


@bp.post("/duplicates/<int:flag_id>/merge")
@roles(*MERGERS)
def merge_duplicate(flag_id: int) -> WerkzeugResponse:
    form = MergeDuplicateForm()
    flag = get_flag(db.session, flag_id)
    if not form.validate_on_submit():
        flash(_("Choose which record to keep."), "error")
        return redirect(url_for("visitors.duplicates"))
    resolve_duplicate(db.session, flag, current_user, merge=True, keep_id=form.keep_id.data)
    db.session.commit()
    flash(_("The two records were merged."), "success")
    return redirect(url_for("visitors.duplicates"))


@bp.post("/duplicates/<int:flag_id>/dismiss")
@roles(*MERGERS)
def dismiss_duplicate(flag_id: int) -> WerkzeugResponse:
    flag = get_flag(db.session, flag_id)
    resolve_duplicate(db.session, flag, current_user, merge=False)
    db.session.commit()
    flash(_("Marked as different people."), "success")
    return redirect(url_for("visitors.duplicates"))


# -- questionnaire -----------------------------------------------------------------------------


@bp.get("/questions")
@roles(*ORGANIZERS)
def questions() -> str:
    show = _selected_show()
    saved = saved_questions(db.session, show)
    return render_template(
        "visitors/questions.html",
        show=show,
        shows=list_shows(db.session),
        questions=saved or questions_for(db.session, show),
        inherited=not saved,
        lang=current_locale_key(),
    )


@bp.post("/questions/customize")
@roles(*ORGANIZERS)
def customize_questions() -> WerkzeugResponse:
    show = _selected_show()
    customize(db.session, show)
    db.session.commit()
    return redirect(url_for("visitors.questions", show=show.code))


@bp.route("/questions/new", methods=["GET", "POST"])
@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles(*ORGANIZERS)
def edit_question(question_id: int | None = None) -> Any:
    show = _selected_show()
    question = db.session.get(Question, question_id) if question_id else None
    if question_id and question is None:
        raise NotFound(_("No such question."))
    if question is not None:
        show = question.show
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        form.key.data = question.key
        form.label_en.data = question.label.get("en")
        form.label_zh.data = question.label.get("zh_Hans_CN")
        form.kind.data = question.kind.value
        form.options.data = format_options(question.options)
        form.position.data = question.position
        form.required.data = question.required
        form.active.data = question.active
    if form.validate_on_submit():
        try:
            options = parse_options(form.options.data or "")
            kind = QuestionKind(form.kind.data)
            if kind is not QuestionKind.TEXT and not options:
                raise ValidationError("options", _("A choice question needs options."))
        except ValidationError as exc:
            form.options.errors = [exc.message]
        else:
            if question is None:
                customize(db.session, show)
                question = Question(show_id=show.id)
                db.session.add(question)
            question.key = form.key.data.strip()
            question.label = {"en": form.label_en.data.strip()}
            if form.label_zh.data:
                question.label["zh_Hans_CN"] = form.label_zh.data.strip()
            question.kind = kind
            question.options = options
            question.position = form.position.data or 0
            question.required = form.required.data
            question.active = form.active.data
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(url_for("visitors.questions", show=show.code))
    return render_template("visitors/question_form.html", form=form, show=show, question=question)


# -- accuracy ----------------------------------------------------------------------------------


register_codes(
    "card_field",
    {
        "name": _l("Name"),
        "title": _l("Title"),
        "company": _l("Company"),
        "emails": _l("Emails"),
        "phones": _l("Phones"),
        "website": _l("Website"),
        "address": _l("Address"),
    },
)


@bp.get("/accuracy")
@roles(*STAFF)
def accuracy() -> str:
    show = _selected_show()
    return render_template(
        "visitors/accuracy.html",
        show=show,
        shows=list_shows(db.session),
        rows=capture_accuracy(db.session, show),
        counts=capture_counts(db.session, show),
    )


# -- pre-registration ---------------------------------------------------------------------------


@bp.route("/register/<show_code>", methods=["GET", "POST"])
@public
def preregister(show_code: str) -> Any:
    """The public page where visitors register before the show."""
    show = get_show(db.session, show_code)
    lang = current_locale_key()
    form = PreregistrationForm()
    questions_ = questions_for(db.session, show)
    answers = {
        q.key: (request.form.getlist(q.key) if q.kind is QuestionKind.MULTIPLE
                else request.form.get(q.key))
        for q in questions_
    }  # fmt: skip
    error_field = None
    if form.validate_on_submit() and not form.website_hp.data:
        try:
            registration = register_visitor(
                db.session,
                show,
                {
                    "name": form.name.data,
                    "emails": [form.email.data],
                    "phones": [form.phone.data] if form.phone.data else [],
                    "company": form.company.data,
                    "title": form.title.data,
                },
                answers,
                {"marketing": form.consent_marketing.data, "share": form.consent_share.data},
                RegistrationSource.PREREGISTERED,
                category=form.category.data,
                language=lang,
            )
        except ValidationError as exc:
            error_field = exc.field
            flash(exc.message, "error")
        else:
            if registration.issued_code:
                from expo_crm.mail.outbox import send_registration_confirmation

                # The code and its QR go to the address typed (sent once this commits).
                send_registration_confirmation(db.session, registration, language=lang)
            db.session.commit()
            if not registration.issued_code:
                # Never show an existing registration's code to whoever types its email.
                return render_template("visitors/prereg_known.html", show=show)
            code = registration.confirmation_code
            if code is None:
                raise RuntimeError("A code was issued but the registration has none.")
            return render_template(
                "visitors/prereg_done.html",
                show=show,
                registration=registration,
                qr_svg=_qr_svg(code),
            )
    return render_template(
        "visitors/prereg.html",
        form=form,
        show=show,
        questions=questions_,
        answers=answers,
        lang=lang,
        error_field=error_field,
        consent_marketing=consent_wording(ConsentKind.MARKETING, lang),
        consent_share=consent_wording(ConsentKind.SHARE_WITH_EXHIBITORS, lang),
    )


def _qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return image.to_string(encoding="unicode")


# -- person page panel --------------------------------------------------------------------------


@person_panel
def registrations_panel(session: Any, person: Any) -> Panel | None:
    registrations = person_registrations(session, person)
    if not registrations:
        return None
    return Panel(
        title=_("Visits"),
        template="visitors/_person_panel.html",
        context={"registrations": registrations},
        order=30,
    )
