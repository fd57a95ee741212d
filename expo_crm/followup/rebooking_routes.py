"""The rebooking-risk page: the last edition's exhibitors ranked by their risk of not coming
back, with reasons, a chart of why, and follow-up tasks made from the list."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from expo_crm.auth.roles import Role, roles
from expo_crm.errors import NotFound
from expo_crm.extensions import db
from expo_crm.followup import exports, facts, learning, rebooking, tasks
from expo_crm.followup.forms import BulkTaskForm
from expo_crm.followup.routes import Page
from expo_crm.shows.services import get_show

bp = Blueprint("rebooking", __name__, url_prefix="/followup/rebooking")

PER_PAGE = 50
COLUMNS = [
    ("rank", "Rank"),
    ("name", "Company"),
    ("country", "Country"),
    ("score", "Risk"),
    ("reason_text", "Reasons"),
    ("company_id", "Company id"),
]


@bp.get("/")
@roles(Role.SALES)
def risk_list() -> Any:
    code = request.args.get("show")
    show = get_show(db.session, code) if code else rebooking.last_edition(db.session)
    if show is None:
        raise NotFound(_("No edition has ended yet."))
    if fmt := request.args.get("format"):
        ranked = rebooking.risk_list(db.session, show)
        ranked = exports.drop_opted_out_companies(db.session, ranked, lambda r: r.company_id)
        rows = [
            {**{k: getattr(r, k) for k, _l in COLUMNS if k != "rank"}, "rank": i}
            for i, r in enumerate(ranked, 1)
        ]
        return exports.rows_export(rows, COLUMNS, f"{show.code}-rebooking-risk", fmt)
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    result = rebooking.risk_page(db.session, show, number, PER_PAGE)
    why = rebooking.reason_counts(db.session, show, result.model)
    task_form = BulkTaskForm(
        formdata=None,
        source="rebooking",
        per="company",
        filters=json.dumps({"show": show.code}),
        due_on=date.today() + timedelta(days=14),
        campaign=_(
            "Rebook %(show)s exhibitors", show=result.coming.code if result.coming else show.code
        ),
        title=_("Offer a booth at the coming edition"),
    )
    task_form.assignees.choices = [(u.id, u.name) for u in tasks.sales_users(db.session)]
    return render_template(
        "followup/rebooking.html",
        show=show,
        shows=facts.editions(db.session),
        result=result,
        page=Page(result.rows, number, PER_PAGE, result.total),
        offset=(number - 1) * PER_PAGE,
        verdict=learning.describe(learning.latest(db.session, "rebooking")),
        chart={
            "labels": [str(label) for label, _n in why],
            "counts": [n for _label, n in why],
        },
        task_form=task_form,
    )
