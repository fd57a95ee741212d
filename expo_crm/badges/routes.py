"""Pages of the badges domain: badge desk, layouts, bulk printing, gate, attendance, leads.

One blueprint (``badges.*`` endpoints are named in templates, menus and the role walk), so
its thin views stay together in one module, past 500 lines; the rules they call live in
:mod:`.issuing`, :mod:`.printing`, :mod:`.checkin`, :mod:`.rules` and :mod:`.leads`.
"""

from __future__ import annotations

import logging
import subprocess
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.badges import checkin, exports, issuing, pdf, printing, rules, scans
from expo_crm.badges import jobs as bulk_jobs
from expo_crm.badges import leads as lead_service
from expo_crm.badges.forms import (
    BulkForm,
    GateSettingsForm,
    LayoutForm,
    LeadForm,
    PrintForm,
    QuestionForm,
    ReissueForm,
)
from expo_crm.badges.models import CATEGORY_LABELS, BadgeSize, Lead, LeadQuestionKind, LeadRating
from expo_crm.errors import DomainError, NotFound, ValidationError
from expo_crm.extensions import db
from expo_crm.i18n import current_locale_key
from expo_crm.jobs import services as job_services
from expo_crm.labels import label
from expo_crm.shows.models import Show
from expo_crm.shows.services import current_show, get_show, list_shows
from expo_crm.visitors.models import Registration, VisitorCategory
from expo_crm.web import answers_json, current_user_id

log = logging.getLogger(__name__)

bp = Blueprint("badges", __name__, url_prefix="/badges")

#: The organizer's people who run badges and see reports.
ORGANIZER = (Role.SALES, Role.ONSITE)
#: Who may change layouts and gate rules.
DESIGNERS = (Role.SALES,)
#: Largest offline queue accepted in one request.
MAX_BATCH = 500


def _show() -> Show:
    """The edition chosen with ``?show=``, else the current one."""
    chosen = request.args.get("show") or request.form.get("show")
    if chosen:
        return get_show(db.session, chosen)
    show = current_show(db.session)
    if show is None:
        raise NotFound(_("Create a show edition first."))
    return show


# -- organizer: overview, badge desk ------------------------------------------------------


@bp.get("/")
@roles(*ORGANIZER)
def index() -> str:
    show = _show()
    q = request.args.get("q", "").strip()
    found = issuing.find_registrations(db.session, show.id, q) if q else []
    stats = issuing.badge_stats(db.session, show.id)
    return render_template(
        "badges/index.html",
        show=show,
        shows=list_shows(db.session),
        q=q,
        found=found,
        stats=stats,
        bulk_form=BulkForm(),
        today=checkin.attendance_by_day(db.session, show.id),
    )


def _registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_("No registration %(id)s.", id=registration_id))
    return registration


@bp.get("/registrations/<int:registration_id>")
@roles(*ORGANIZER)
def desk(registration_id: int) -> str:
    registration = _registration(registration_id)
    badge = issuing.active_badge(db.session, registration.id)
    return render_template(
        "badges/desk.html",
        registration=registration,
        badge=badge,
        history=issuing.badge_history(db.session, registration.id),
        warning=printing.reprint_warning(badge) if badge else None,
        print_form=PrintForm(),
        reissue_form=ReissueForm(),
        days=checkin.days_attended(db.session, registration.id),
    )


@bp.post("/registrations/<int:registration_id>/issue")
@roles(*ORGANIZER)
def issue(registration_id: int) -> Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    badge = issuing.issue_badge(db.session, _registration(registration_id), current_user)
    db.session.commit()
    flash(_("Badge %(id)s issued.", id=badge.id), "success")
    return redirect(url_for("badges.desk", registration_id=registration_id))


@bp.post("/<badge_id>/print")
@roles(*ORGANIZER)
def print_badge(badge_id: str) -> Response:
    form = PrintForm()
    if not form.validate_on_submit():
        abort(400)
    badge = issuing.get_badge(db.session, badge_id)
    document, warning = printing.print_badge(db.session, badge, form.size.data or None)
    db.session.commit()
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="badge-{badge.id}.pdf"'
    if warning:
        response.headers["X-Reprint-Warning"] = warning.encode("ascii", "replace").decode()
    return response


@bp.post("/<badge_id>/reissue")
@roles(*ORGANIZER)
def reissue(badge_id: str) -> Response:
    badge = issuing.get_badge(db.session, badge_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("Say why the badge is replaced."), "error")
        return redirect(url_for("badges.desk", registration_id=badge.registration_id))
    new = issuing.reissue_badge(db.session, badge, current_user, form.reason.data)
    db.session.commit()
    flash(
        _("Badge %(old)s revoked; new badge %(new)s issued.", old=badge.id, new=new.id), "success"
    )
    return redirect(url_for("badges.desk", registration_id=badge.registration_id))


# -- organizer: layouts and gate rules ----------------------------------------------------


@bp.route("/layouts", methods=["GET", "POST"])
@roles(*DESIGNERS)
def layouts() -> str | Response:
    show = _show()
    day_choices = [(d.isoformat(), d.isoformat()) for d in show.days]
    forms: dict[str, LayoutForm] = {}
    for layout in printing.layouts(db.session, show.id):
        key = layout.category.value
        form = LayoutForm(prefix=key, formdata=None)
        form.valid_days.choices = day_choices
        form.size.data = layout.size.value
        form.band_color.data = layout.band_color
        form.text_color.data = layout.text_color
        form.valid_days.data = list(layout.valid_days or [])
        forms[key] = form
    gate = rules.gate_settings(db.session, show.id)
    gate_form = GateSettingsForm(prefix="gate", formdata=None, obj=gate)
    if request.method == "POST":
        which = request.form.get("which", "")
        if which == "gate":
            gate_form = GateSettingsForm(prefix="gate")
            if gate_form.validate():
                rules.save_gate_settings(
                    db.session,
                    show.id,
                    deny_reentry=bool(gate_form.deny_reentry.data),
                    dedupe_seconds=int(gate_form.dedupe_seconds.data or 0),
                )
                db.session.commit()
                flash(_("Gate rules saved."), "success")
                return redirect(url_for("badges.layouts", show=show.code))
        elif which in forms:
            form = LayoutForm(prefix=which)
            form.valid_days.choices = day_choices
            forms[which] = form
            if form.validate():
                printing.save_layout(
                    db.session,
                    show,
                    VisitorCategory(which),
                    size=BadgeSize(form.size.data),
                    band_color=form.band_color.data,
                    text_color=form.text_color.data,
                    valid_days=[date.fromisoformat(d) for d in form.valid_days.data or []],
                )
                db.session.commit()
                flash(_("Badge layout saved."), "success")
                return redirect(url_for("badges.layouts", show=show.code) + f"#{which}")
        else:
            abort(400)
    return render_template(
        "badges/layouts.html",
        show=show,
        forms=forms,
        gate_form=gate_form,
        labels=CATEGORY_LABELS,
    )


def _sample_face(show: Show, category: VisitorCategory, size: str | None) -> pdf.BadgeFace:
    layout = printing.layout_for(db.session, show.id, category)
    band = request.args.get("band") or layout.band_color
    text = request.args.get("text") or layout.text_color
    for value in (band, text):
        if not printing.is_hex_colour(value):
            raise ValidationError("color", _("Give a colour as #rrggbb."))
    return pdf.BadgeFace(
        code="PREVIEWPREVIEWPREVIEW234",
        name="Maria da Conceição Albuquerque",
        company="Acme Robotics Indústria e Comércio Ltda.",
        country="Brazil",
        category=category.value,
        category_label=str(CATEGORY_LABELS[category]).upper(),
        show_name=show.name,
        size=BadgeSize(size or layout.size).value,
        band_color=band,
        text_color=text,
    )


@bp.get("/layouts/<category>/preview.png")
@roles(*DESIGNERS)
def layout_preview(category: str) -> Response:
    """A sample badge of a category, rasterized, to preview size and colours."""
    try:
        cat = VisitorCategory(category)
        size = BadgeSize(request.args["size"]) if request.args.get("size") else None
    except ValueError:
        abort(404)
    face = _sample_face(_show(), cat, size.value if size else None)
    document = pdf.render_pdf([face])
    png = subprocess.run(  # noqa: S603  (poppler's pdftoppm on our own PDF)
        ["pdftoppm", "-r", "72", "-png", "-singlefile"],  # noqa: S607
        input=document,
        capture_output=True,
        check=True,
        timeout=20,
    ).stdout
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


# -- organizer: bulk printing -------------------------------------------------------------


@bp.post("/bulk")
@roles(*ORGANIZER)
def bulk() -> Response:
    """Start printing all pre-registered badges of an edition; follow it on the job page."""
    show = _show()
    form = BulkForm()
    if not form.validate_on_submit():
        flash(_("Choose how to sort the badges."), "error")
        return redirect(url_for("badges.index", show=show.code))
    job = job_services.submit(
        db.session,
        kind=_("Badges of %(show)s", show=show.name),
        task=bulk_jobs.TASK,
        params={
            "show_id": show.id,
            "order": form.order.data,
            "unprinted_only": bool(form.unprinted_only.data),
            "user_id": current_user.id,
            "locale": current_locale_key(),
        },
        user_id=current_user.id,
    )
    db.session.commit()
    job_services.dispatch(job)
    return redirect(url_for("jobs.show", job_id=job.id))


# -- gate ---------------------------------------------------------------------------------


@bp.get("/gate")
@roles(Role.ONSITE)
def gate() -> str:
    return render_template("badges/gate.html", show=current_show(db.session))


@bp.post("/scan")
@answers_json
@roles(Role.ONSITE)
def scan() -> Response:
    """Judge one scanned code at a gate (JSON in, JSON out; the page sends X-CSRFToken)."""
    scan = scans.read_scan(request.get_json(silent=True))
    result = checkin.check_in(
        db.session,
        scan.code,
        scan.gate,
        at=scan.scanned_at,
        client_uuid=scan.client_uuid,
        user_id=current_user_id(),
    )
    payload = result.as_dict()  # translated before the commit expires the signed-in user
    db.session.commit()
    return jsonify(payload)


@bp.post("/scan/batch")
@answers_json
@roles(Role.ONSITE)
def scan_batch() -> Response:
    """Take the scans a gate page queued while the server was out of reach."""
    queued = [scans.read_scan(item) for item in _queued_batch()]
    results = checkin.check_in_batch(db.session, queued, user_id=current_user_id())
    payload = {"results": [r.as_dict() for r in results]}
    db.session.commit()
    return jsonify(payload)


def _queued_batch() -> list[Any]:
    """The scans a page queued offline (``{scans: [{code, ...}]}``); raise DomainError."""
    data = request.get_json(silent=True)
    queued = data.get("scans") if isinstance(data, dict) else None
    if not isinstance(queued, list) or len(queued) > MAX_BATCH:
        raise DomainError(_("Send {scans: [...]} with at most %(n)s scans.", n=MAX_BATCH))
    if not all(isinstance(item, dict) and isinstance(item.get("code"), str) for item in queued):
        raise DomainError(_("Every scan needs a code."))
    return queued


@bp.get("/attendance")
@roles(*ORGANIZER)
def attendance() -> str | Response:
    show = _show()
    rows = checkin.attendance(db.session, show.id)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return exports.table_response(
            fmt,
            f"attendance-{show.code}",
            [_("Day"), _("Gate"), _("Scans"), _("People")],
            [(r["day"], r["gate"], r["scans"], r["people"]) for r in rows],
        )
    return render_template(
        "badges/attendance.html",
        show=show,
        shows=list_shows(db.session),
        rows=rows,
        by_day=checkin.attendance_by_day(db.session, show.id),
    )


# -- exhibitor leads ----------------------------------------------------------------------


def _company_id() -> int:
    if current_user.company_id is None:
        raise ValidationError(
            "company_id", _("Lead pages are for exhibitor scanner accounts of a company.")
        )
    return int(current_user.company_id)


def _organizer_leads() -> Response | None:
    """Send a user without an exhibitor company (an administrator) to the organizer's lead
    report instead of a scanner page they cannot use."""
    if current_user.company_id is not None:
        return None
    flash(_("Lead pages are for exhibitor scanner accounts of a company."), "info")
    return redirect(url_for("badges.exhibitor_leads"))


@bp.get("/leads/scan")
@roles(Role.SCANNER)
def lead_scanner() -> str | Response:
    if (elsewhere := _organizer_leads()) is not None:
        return elsewhere
    company_id = _company_id()
    return render_template(
        "badges/lead_scanner.html",
        recent=[_card(lead) for lead in lead_service.company_leads(db.session, company_id)[:10]],
    )


@bp.post("/leads/capture")
@answers_json
@roles(Role.SCANNER)
def capture() -> Response:
    """Record a scanned badge as a lead (JSON); answer with what the exhibitor may see."""
    scan = scans.read_scan(request.get_json(silent=True), gate=False)
    lead = lead_service.capture_lead(
        db.session, current_user, scan.code, client_uuid=scan.client_uuid, at=scan.scanned_at
    )
    db.session.commit()
    return jsonify(_lead_json(lead))


@bp.post("/leads/capture/batch")
@answers_json
@roles(Role.SCANNER)
def capture_batch() -> Response:
    """Take the lead scans a scanner page queued while the server was out of reach."""
    queued = [
        lead_service.QueuedLead(scan.code, scan.scanned_at, scan.client_uuid)
        for scan in (scans.read_scan(item, gate=False) for item in _queued_batch())
    ]
    results: list[dict[str, Any]] = []
    for scan, (lead, refused) in zip(
        queued, lead_service.capture_leads(db.session, current_user, queued), strict=True
    ):
        if lead is None:
            results.append({"client_uuid": scan.client_uuid, "ok": False, "error": refused})
        else:
            card = _lead_json(lead)
            results.append({"client_uuid": scan.client_uuid, "ok": True, "lead": card})
    db.session.commit()
    return jsonify({"results": results})


def _card(lead: Lead) -> dict[str, Any]:
    """What the exhibitor may see of a lead, its rating as a word of their language."""
    return dict(lead_service.lead_card(lead), rating_label=label(lead.rating))


def _lead_json(lead: Lead) -> dict[str, Any]:
    card = lead_service.lead_card(lead)
    card["scanned_at"] = card["scanned_at"].isoformat()
    card["url"] = url_for("badges.lead", lead_id=lead.id)
    return card


@bp.get("/leads")
@roles(Role.SCANNER)
def leads() -> str | Response:
    if (elsewhere := _organizer_leads()) is not None:
        return elsewhere
    company_id = _company_id()
    shows = list_shows(db.session)
    show = _show()
    records = lead_service.company_leads(db.session, company_id, show.id)
    cards = [_card(lead) for lead in records]
    asked = lead_service.questions(db.session, company_id)
    fmt = request.args.get("format")
    name = f"leads-{show.code}"
    if fmt == "vcf":
        return exports.vcard_response(name, cards)
    if fmt in ("csv", "xlsx"):
        headers = [
            _("Name"),
            _("Company"),
            _("Country"),
            _("Email"),
            _("Phone"),
            _("Title"),
            _("Rating"),
            _("Notes"),
            _("Scanned at (UTC)"),
            *[q.text for q in asked],
        ]
        rows = [
            (
                c["name"],
                c["company"],
                c["country"],
                c["email"],
                c["phone"],
                c["title"],
                c["rating_label"],
                c["notes"],
                c["scanned_at"],
                *[c["answers"].get(str(q.id), "") for q in asked],
            )
            for c in cards
        ]
        return exports.table_response(fmt, name, headers, rows)
    return render_template("badges/leads.html", cards=cards, show=show, shows=shows)


@bp.route("/leads/<int:lead_id>", methods=["GET", "POST"])
@roles(Role.SCANNER)
def lead(lead_id: int) -> str | Response:
    record = lead_service.get_lead(db.session, current_user, lead_id)
    asked = lead_service.questions(db.session, record.company_id)
    form = LeadForm(obj=None if request.method == "POST" else record)
    if request.method == "GET":
        form.rating.data = record.rating.value if record.rating else None
    if form.validate_on_submit():
        answers = {str(q.id): request.form.get(f"q{q.id}", "") for q in asked}
        lead_service.qualify_lead(
            db.session,
            record,
            rating=LeadRating(form.rating.data) if form.rating.data else None,
            notes=form.notes.data or "",
            answers=answers,
        )
        db.session.commit()
        flash(_("Lead saved."), "success")
        return redirect(url_for("badges.lead_scanner"))
    return render_template(
        "badges/lead.html",
        lead=record,
        card=lead_service.lead_card(record),
        form=form,
        questions=asked,
        answers=record.answers or {},
    )


@bp.route("/leads/questions", methods=["GET", "POST"])
@roles(Role.SCANNER)
def lead_questions() -> str | Response:
    if (elsewhere := _organizer_leads()) is not None:
        return elsewhere
    company_id = _company_id()
    form = QuestionForm()
    if form.validate_on_submit():
        lead_service.add_question(
            db.session,
            company_id,
            form.text.data,
            LeadQuestionKind(form.kind.data),
            (form.choices.data or "").splitlines(),
        )
        db.session.commit()
        flash(_("Question added."), "success")
        return redirect(url_for("badges.lead_questions"))
    return render_template(
        "badges/questions.html", form=form, questions=lead_service.questions(db.session, company_id)
    )


@bp.post("/leads/questions/<int:question_id>/remove")
@roles(Role.SCANNER)
def remove_question(question_id: int) -> Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    lead_service.remove_question(db.session, _company_id(), question_id)
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for("badges.lead_questions"))


@bp.get("/exhibitor-leads")
@roles(Role.SALES)
def exhibitor_leads() -> str | Response:
    """Lead counts per exhibitor, for the organizer (they feed return-on-show)."""
    show = _show()
    rows = lead_service.leads_by_exhibitor(db.session, show.id)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return exports.table_response(
            fmt,
            f"leads-per-exhibitor-{show.code}",
            [_("Exhibitor"), _("Leads"), _("Hot"), _("Warm"), _("Cold"), _("With contact")],
            [
                (r["company"], r["leads"], r["hot"], r["warm"], r["cold"], r["with_contact"])
                for r in rows
            ],
        )
    return render_template(
        "badges/exhibitor_leads.html", show=show, shows=list_shows(db.session), rows=rows
    )
