"""Back-office pages of the followup domain: dashboard, lists behind each figure, segments,
prospects, follow-up tasks, interactions and opt-outs."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.errors import NotFound, ValidationError
from expo_crm.extensions import db
from expo_crm.followup import (
    exports,
    facts,
    kpis,
    learning,
    optouts,
    panels,  # noqa: F401  (registers the company and person sections)
    profile,
    prospects,
    rebooking,
    segments,
    tasks,
    value,
)
from expo_crm.followup.forms import (
    BulkTaskForm,
    InteractionForm,
    OptOutForm,
    SaveSegmentForm,
    TaskForm,
    weights_form,
)
from expo_crm.followup.models import TaskStatus
from expo_crm.i18n import current_locale_key
from expo_crm.labels import label
from expo_crm.shows.models import Show
from expo_crm.shows.services import get_show

bp = Blueprint("followup", __name__, url_prefix="/followup")

#: Who works the follow-up (segments, prospects, tasks); admins are always admitted.
WORKERS = (Role.SALES,)
#: Who may read the management figures and their lists.
READERS = (Role.SALES, Role.FINANCE)
PER_PAGE = 50
#: At most this many companies are drawn on the value matrix (the most valuable first).
MATRIX_POINTS = 3000


@dataclass
class Page:
    """A page of rows from a multi-column select (what ``_macros.pagination`` reads)."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def paginate(query: Select) -> Page:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return Page(items, page, PER_PAGE, total or 0)


def export_format() -> str | None:
    return request.args.get("format") or None


def chosen_show(code: str | None = None) -> Show:
    """The edition named in the URL, else the last completed one, else the latest."""
    code = code or request.args.get("show")
    if code:
        return get_show(db.session, code)
    show = prospects.last_completed_show(db.session) or next(
        iter(reversed(facts.editions(db.session))), None
    )
    if show is None:
        raise NotFound(_("There is no show edition yet."))
    return show


# -- dashboard and the lists behind it -----------------------------------------------------


@bp.get("/")
@roles(*READERS)
def dashboard() -> str:
    show = chosen_show()
    basis = request.args.get("basis", "area")
    trend = kpis.trend(db.session, basis)
    current = next(k for k in trend if k.show_code == show.code)
    pyramid = value.pyramid(db.session, show)
    chart = {
        "editions": [k.show_code for k in trend],
        "series": {
            name: [getattr(k, name) for k in trend]
            for name in ("exhibitors", "new", "lost", "upgraded", "downgraded", "visitors")
        },
        "revenue": [float(k.revenue) for k in trend],
        "rebooking": [k.rebooking_rate for k in trend],
        #: [tier, companies, label] from VIP down (a list: JSON objects lose their order).
        "pyramid": [[t.value, int(pyramid.tiers[t]["companies"]), label(t)] for t in value.Tier],
        #: What the charts call their series, in the reader's language.
        "labels": {
            "exhibitors": _("Exhibitors"),
            "new": _("New"),
            "lost": _("Lost"),
            "upgraded": _("Upgraded"),
            "downgraded": _("Downgraded"),
            "revenue": _("Revenue"),
            "rebooking": _("Rebooking rate"),
            "companies": _("Companies"),
        },
        "links": {
            "exhibitors": url_for("followup.exhibitor_list", show_code="__SHOW__", kind="__KIND__"),
            "visitors": url_for("followup.visitor_list", show_code="__SHOW__", kind="visitors"),
            "pyramid": url_for("followup.pyramid", show_code=show.code, tier="__TIER__"),
            "dashboard": url_for("followup.dashboard", show="__SHOW__", basis=basis),
        },
    }
    return render_template(
        "followup/dashboard.html",
        show=show,
        shows=facts.editions(db.session),
        basis=basis,
        k=current,
        trend=trend,
        pyramid=pyramid,
        ranking=kpis.sales_ranking(db.session, show)[:10],
        chart=chart,
    )


EXHIBITOR_COLUMNS = [
    ("name", "Company"),
    ("country", "Country"),
    ("industry", "Industry"),
    ("prev_area", "Area before (m²)"),
    ("area", "Area (m²)"),
    ("prev_revenue", "Revenue before"),
    ("revenue", "Revenue"),
    ("company_id", "Company id"),
]
VISITOR_COLUMNS = [
    ("full_name", "Name"),
    ("company", "Company"),
    ("country", "Country"),
    ("category", "Category"),
    ("industry", "Industry"),
    ("person_id", "Person id"),
]


@bp.get("/lists/exhibitors/<show_code>/<kind>")
@roles(*READERS)
def exhibitor_list(show_code: str, kind: str) -> Any:
    show = get_show(db.session, show_code)
    basis = request.args.get("basis", "area")
    query = kpis.exhibitor_list(db.session, show, kind, basis)
    if fmt := export_format():
        return exports.query_export(
            db.session, query, EXHIBITOR_COLUMNS, f"{show.code}-{kind}", fmt
        )
    return render_template(
        "followup/exhibitor_list.html", show=show, kind=kind, page=paginate(query), basis=basis
    )


@bp.get("/lists/visitors/<show_code>/<kind>")
@roles(*READERS)
def visitor_list(show_code: str, kind: str) -> Any:
    show = get_show(db.session, show_code)
    query = kpis.visitor_list(db.session, show, kind)
    if fmt := export_format():
        return exports.query_export(db.session, query, VISITOR_COLUMNS, f"{show.code}-{kind}", fmt)
    return render_template("followup/visitor_list.html", show=show, kind=kind, page=paginate(query))


@bp.get("/pyramid/<show_code>")
@roles(*READERS)
def pyramid(show_code: str) -> Any:
    show = get_show(db.session, show_code)
    result = value.pyramid(db.session, show)
    tier = request.args.get("tier") or None
    rows = [r for r in result.rows if tier is None or r.tier.value == tier]
    if fmt := export_format():
        rows = exports.drop_opted_out_companies(db.session, rows, lambda r: r.company_id)
        columns = [
            ("rank", "Rank"),
            ("name", "Company"),
            ("revenue", "Revenue"),
            ("tier", "Tier"),
            ("company_id", "Company id"),
        ]
        return exports.rows_export(rows, columns, f"{show.code}-pyramid", fmt)
    return render_template("followup/pyramid.html", show=show, result=result, rows=rows, tier=tier)


@bp.get("/value/<show_code>")
@roles(*READERS)
def company_value(show_code: str) -> Any:
    show = get_show(db.session, show_code)
    values = value.company_values(db.session, show)
    quadrant = request.args.get("quadrant") or None
    rows = [v for v in values if quadrant is None or v.quadrant and v.quadrant.value == quadrant]
    if fmt := export_format():
        rows = exports.drop_opted_out_companies(db.session, rows, lambda r: r.company_id)
        columns = [
            ("name", "Company"),
            ("historical", "Historical value (paid)"),
            ("current", "Current value"),
            ("potential", "Potential value"),
            ("quadrant", "Matrix"),
            ("editions", "Editions exhibited"),
            ("reasons", "How potential was estimated"),
            ("company_id", "Company id"),
        ]
        return exports.rows_export(rows, columns, f"{show.code}-value", fmt)
    counts = {q: sum(1 for v in values if v.quadrant is q) for q in value.Quadrant}
    median_x, median_y = value.matrix_medians(values)
    drawn = sorted(values, key=lambda v: (-(v.current + v.potential), v.company_id))[:MATRIX_POINTS]
    chart = {
        "points": [
            {
                "x": float(v.current),
                "y": float(v.potential),
                "q": v.quadrant.value if v.quadrant else "ordinary",
                "id": v.company_id,
                "name": v.name,
            }
            for v in drawn
        ],
        "median_x": float(median_x),
        "median_y": float(median_y),
        "shown": len(drawn),
        "total": len(values),
        "labels": {
            **{q.value: str(label(q)) for q in value.Quadrant},
            "median": _("Medians"),
            "current": _("Current value (%(cur)s)", cur=show.currency),
            "potential": _("Potential value (%(cur)s)", cur=show.currency),
        },
        "company_url": url_for("directory.company", company_id=999999999),
    }
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return render_template(
        "followup/value.html",
        show=show,
        counts=counts,
        quadrant=next((q for q in value.Quadrant if q.value == quadrant), None),
        chart=chart,
        page=Page(rows[(page - 1) * PER_PAGE : page * PER_PAGE], page, PER_PAGE, len(rows)),
    )


@bp.get("/sales/<show_code>")
@roles(*READERS)
def sales(show_code: str) -> Any:
    show = get_show(db.session, show_code)
    ranking = kpis.sales_ranking(db.session, show)
    if fmt := export_format():
        columns = [
            ("name", "Sales user"),
            ("revenue", "Revenue"),
            ("contracts", "Contracts"),
            ("quotes", "Quotes"),
            ("quotes_converted", "Quotes turned into contracts"),
            ("quote_rate", "Quote-to-contract rate"),
            ("tasks_done", "Tasks done"),
        ]
        return exports.rows_export(ranking, columns, f"{show.code}-sales", fmt)
    return render_template("followup/sales.html", show=show, ranking=ranking)


# -- segments ------------------------------------------------------------------------------

SEGMENT_COLUMNS = [
    ("full_name", "Name"),
    ("email", "Email"),
    ("company", "Company"),
    ("country", "Country"),
    ("category", "Category"),
    ("industry", "Industry"),
    ("job_function", "Job function"),
    ("purchasing_role", "Purchasing role"),
    ("employees", "Company size"),
    ("days", "Days attended"),
    ("booths", "Booths that scanned"),
    ("is_returning", "Returning"),
    ("person_id", "Person id"),
    ("company_id", "Company id"),
]


def _segment_from_request() -> tuple[segments.SegmentFilters, Show]:
    filters = segments.SegmentFilters.parse(request.args)
    show = segments.resolve_show(db.session, filters, chosen_show())
    filters.show = show.code
    return filters, show


@bp.get("/segments")
@roles(*WORKERS)
def segment_builder() -> Any:
    filters, show = _segment_from_request()
    query = segments.segment_query(db.session, show, filters)
    if fmt := export_format():
        return exports.query_export(db.session, query, SEGMENT_COLUMNS, "segment", fmt)
    task_form = BulkTaskForm(
        formdata=None,
        source="segment",
        filters=json.dumps(filters.as_dict()),
        due_on=date.today() + timedelta(days=14),
    )
    task_form.assignees.choices = [(u.id, u.name) for u in tasks.sales_users(db.session)]
    counts = segments.segment_counts(db.session, show, filters)
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = segments.segment_page(db.session, show, filters, number, PER_PAGE)
    return render_template(
        "followup/segments.html",
        show=show,
        shows=facts.editions(db.session),
        filters=filters,
        options=segments.filter_options(db.session, show),
        value_labels=segments.value_labels(db.session, show, current_locale_key()),
        dimension_of=segments.FILTER_DIMENSION,
        counts=counts,
        page=Page(rows, number, PER_PAGE, counts["total"]),
        saved=segments.list_segments(db.session),
        save_form=SaveSegmentForm(formdata=None, filters=json.dumps(filters.as_dict())),
        task_form=task_form,
    )


@bp.post("/segments/save")
@roles(*WORKERS)
def save_segment() -> Response:
    form = SaveSegmentForm()
    raw = _json_filters(form.filters.data)
    if not form.validate():
        flash(_("Give the segment a name."), "error")
        return redirect(url_for("followup.segment_builder", **raw))
    filters = segments.SegmentFilters.parse(raw)
    saved = segments.save_segment(db.session, form.name.data, filters, current_user)
    db.session.commit()
    flash(_("Segment %(name)s saved.", name=saved.name), "success")
    return redirect(url_for("followup.segment_builder", **saved.filters))


@bp.get("/segments/<int:segment_id>")
@roles(*WORKERS)
def open_segment(segment_id: int) -> Response:
    saved = segments.get_segment(db.session, segment_id)
    return redirect(url_for("followup.segment_builder", **saved.filters))


@bp.post("/segments/<int:segment_id>/delete")
@roles(*WORKERS)
def delete_segment(segment_id: int) -> Response:
    segments.delete_segment(db.session, segments.get_segment(db.session, segment_id))
    db.session.commit()
    flash(_("Segment deleted."), "success")
    return redirect(url_for("followup.segment_builder"))


def _json_filters(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        raise ValidationError("filters", _("The segment filters could not be read.")) from None
    if not isinstance(data, dict):
        raise ValidationError("filters", _("The segment filters could not be read."))
    return data


# -- prospects -----------------------------------------------------------------------------

PROSPECT_COLUMNS = [
    ("rank", "Rank"),
    ("name", "Company"),
    ("country", "Country"),
    ("industry", "Industry"),
    ("score", "Score"),
    ("reason_text", "Reasons"),
    ("company_id", "Company id"),
]


@bp.get("/prospects")
@roles(*WORKERS)
def prospect_list() -> Any:
    show = chosen_show()
    if fmt := export_format():
        ranked = prospects.prospect_ranking(db.session, show)
        ranked = exports.drop_opted_out_companies(db.session, ranked, lambda p: p.company_id)
        rows = [
            {**{k: getattr(p, k) for k, _l in PROSPECT_COLUMNS if k != "rank"}, "rank": i}
            for i, p in enumerate(ranked, 1)
        ]
        return exports.rows_export(rows, PROSPECT_COLUMNS, f"{show.code}-prospects", fmt)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found, total = prospects.prospect_page(db.session, show, page, PER_PAGE)
    task_form = BulkTaskForm(
        formdata=None,
        source="prospects",
        per="company",
        filters=json.dumps({"show": show.code}),
        due_on=date.today() + timedelta(days=14),
    )
    task_form.assignees.choices = [(u.id, u.name) for u in tasks.sales_users(db.session)]
    _prev, coming = facts.neighbours(db.session, show)
    return render_template(
        "followup/prospects.html",
        show=show,
        coming=coming,
        shows=facts.editions(db.session),
        page=Page(found, page, PER_PAGE, total),
        offset=(page - 1) * PER_PAGE,
        weights=prospects.get_weights(db.session),
        verdict=learning.describe(learning.latest(db.session, "prospects")),
        learned=prospects.current_model(db.session).kind == "learned",
        task_form=task_form,
    )


@bp.route("/prospects/weights", methods=["GET", "POST"])
@roles(*WORKERS)
def prospect_weights() -> Any:
    form = weights_form(prospects.get_weights(db.session))
    if form.validate_on_submit():
        prospects.save_weights(
            db.session, {name: form[name].data for name in prospects.SIGNALS}, current_user
        )
        db.session.commit()
        flash(_("Prospect weights saved."), "success")
        return redirect(url_for("followup.prospect_list"))
    return render_template(
        "followup/weights.html",
        form=form,
        caps=prospects.CAPS,
        reasons=prospects.REASON_TEXT,
    ), (422 if form.errors else 200)


# -- tasks ---------------------------------------------------------------------------------


@bp.post("/tasks/bulk")
@roles(*WORKERS)
def bulk_tasks() -> Response:
    form = BulkTaskForm()
    users = {u.id: u for u in tasks.sales_users(db.session)}
    form.assignees.choices = [(uid, u.name) for uid, u in users.items()]
    raw = _json_filters(form.filters.data)
    back = {
        "prospects": url_for("followup.prospect_list", show=raw.get("show")),
        "rebooking": url_for("rebooking.risk_list", show=raw.get("show")),
    }.get(form.source.data or "", url_for("followup.segment_builder", **raw))
    if not form.validate():
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}: {'; '.join(errors)}", "error")
        return redirect(back)
    if form.source.data == "prospects":
        show = get_show(db.session, raw.get("show") or "")
        ranked = prospects.prospect_ranking(db.session, show, limit=form.top.data or 50)
        targets = [tasks.Target(p.company_id) for p in ranked]
        source = f"prospects:{show.code}"
    elif form.source.data == "rebooking":
        show = get_show(db.session, raw.get("show") or "")
        at_risk = rebooking.risk_list(db.session, show, limit=form.top.data or 50)
        targets = [tasks.Target(r.company_id) for r in at_risk]
        source = f"rebooking:{show.code}"
    else:
        filters = segments.SegmentFilters.parse(raw)
        show = segments.resolve_show(db.session, filters, chosen_show())
        rows = db.session.execute(segments.segment_query(db.session, show, filters))
        targets = [tasks.Target(r.company_id, r.person_id) for r in rows]
        source = "segment"
    result = tasks.create_tasks(
        db.session,
        campaign_name=form.campaign.data,
        source=source,
        targets=targets,
        assignees=[users[i] for i in form.assignees.data],
        due_on=form.due_on.data,
        title=form.title.data,
        per=form.per.data,
        assignment=form.assignment.data,
        user=current_user,
    )
    db.session.commit()
    flash(
        _(
            "%(created)s tasks created in %(campaign)s; %(dups)s already had one, "
            "%(opted)s opted out.",
            created=result.created,
            campaign=result.campaign.name,
            dups=result.duplicates,
            opted=result.opted_out,
        ),
        "success",
    )
    return redirect(back)


TASK_COLUMNS = [
    ("due_on", "Due"),
    ("title", "Task"),
    ("company", "Company"),
    ("person", "Person"),
    ("assignee", "Assigned to"),
    ("status", "Status"),
    ("outcome", "Outcome"),
    ("campaign", "Campaign"),
    ("task_id", "Task id"),
    ("company_id", "Company id"),
    ("person_id", "Person id"),
]


def _task_page(query: Select, title: str, name: str) -> Any:
    if fmt := export_format():
        return exports.query_export(db.session, query, TASK_COLUMNS, name, fmt)
    return render_template(
        "followup/tasks.html",
        page=paginate(query),
        title=title,
        today=date.today(),
        statuses=list(TaskStatus),
    )


@bp.get("/tasks/mine")
@roles(*WORKERS)
def my_tasks() -> Any:
    status = request.args.get("status", "open")
    query = tasks.task_query(
        user_id=current_user.id,
        status=TaskStatus(status) if status in {s.value for s in TaskStatus} else None,
    )
    return _task_page(query, _("My tasks"), "my-tasks")


@bp.get("/tasks/overdue")
@roles(*WORKERS)
def overdue_tasks() -> Any:
    query = tasks.task_query(overdue_on=date.today())
    return _task_page(query, _("Overdue tasks"), "overdue-tasks")


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles(*WORKERS)
def task(task_id: int) -> Any:
    record = tasks.get_task(db.session, task_id)
    form = TaskForm(obj=record)
    if request.method == "GET":
        form.status.data = record.status.value
        form.outcome.data = record.outcome.value if record.outcome else ""
    if form.validate_on_submit():
        try:
            tasks.update_task(
                db.session,
                record,
                status=form.status.data,
                outcome=form.outcome.data,
                notes=form.notes.data,
                user=current_user,
            )
        except ValidationError as exc:  # refused before anything changed
            getattr(form, exc.field, form.status).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Task saved."), "success")
            return redirect(url_for("followup.my_tasks"))
    interaction_form = InteractionForm(
        formdata=None,
        company_id=record.company_id or "",
        person_id=record.person_id or "",
        task_id=record.id,
    )
    history = db.session.execute(
        tasks.interactions_query(company_id=record.company_id)
        if record.company_id
        else tasks.interactions_query(person_id=record.person_id)
    ).all()
    return render_template(
        "followup/task.html",
        task=record,
        form=form,
        interaction_form=interaction_form,
        history=history,
    ), (422 if form.errors else 200)


@bp.post("/interactions")
@roles(*WORKERS)
def log_interaction() -> Response:
    form = InteractionForm()
    back = request.referrer or url_for("followup.my_tasks")
    if not form.validate():
        flash(_("Write what was said or done."), "error")
        return redirect(back)

    def as_id(raw: str | None) -> int | None:
        return int(raw) if raw and raw.isdigit() else None

    tasks.log_interaction(
        db.session,
        kind=form.kind.data,
        summary=form.summary.data,
        user=current_user,
        company_id=as_id(form.company_id.data),
        person_id=as_id(form.person_id.data),
        task_id=as_id(form.task_id.data),
    )
    db.session.commit()
    flash(_("Interaction logged."), "success")
    return redirect(back)


# -- opt-outs and profiles -----------------------------------------------------------------


@bp.route("/optouts", methods=["GET", "POST"])
@roles(*WORKERS)
def opt_outs() -> Any:
    form = OptOutForm()
    if form.validate_on_submit():
        try:
            optouts.record_opt_out(
                db.session,
                person_id=form.person_id.data,
                company_id=form.company_id.data,
                reason=form.reason.data or "",
                user=current_user,
            )
        except ValidationError as exc:  # refused before anything changed
            form.person_id.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Opt-out recorded."), "success")
            return redirect(url_for("followup.opt_outs"))
    return render_template(
        "followup/optouts.html", form=form, rows=optouts.list_opt_outs(db.session)
    ), (422 if form.errors else 200)


@bp.get("/people/<int:person_id>")
@roles(*WORKERS)
def person_profile(person_id: int) -> str:
    data = profile.visitor_profile(db.session, person_id)
    return render_template("followup/profile.html", **data)
