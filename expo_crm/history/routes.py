"""Back-office pages of the history domain: past editions, their imported lists, and the
review of uncertain matches."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.errors import DomainError
from expo_crm.extensions import db
from expo_crm.history import importer, overview, review
from expo_crm.history import jobs as history_jobs
from expo_crm.history.forms import DecisionForm, ImportForm
from expo_crm.i18n import current_locale_key
from expo_crm.jobs import services as job_services

bp = Blueprint("history", __name__, url_prefix="/history")

#: Who brings past editions in and decides uncertain matches; admins are always admitted.
KEEPERS = (Role.SALES,)
PER_PAGE = 50


def _index(form: ImportForm, status: int = 200) -> tuple[str, int]:
    editions = overview.editions(db.session)
    chart = {
        "editions": [e.code for e in editions],
        "listed": [e.listed for e in editions],
        "sold": [e.sold for e in editions],
    }
    return render_template(
        "history/index.html",
        form=form,
        editions=editions,
        imports=overview.recent_imports(db.session),
        pending=review.pending_count(db.session),
        chart=chart,
    ), status


@bp.get("/")
@roles(*KEEPERS)
def index() -> tuple[str, int]:
    return _index(ImportForm(formdata=None))


@bp.post("/import")
@roles(*KEEPERS)
def start_import() -> Any:
    """Check the uploaded list at once (bad lines are named here), then import it as a job."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    upload = form.file.data
    data = upload.read()
    filename = Path(upload.filename or "list.csv").name
    try:
        importer.preflight(
            db.session,
            data,
            filename,
            form.show.data,
            opens=form.opens.data,
            encoding=form.encoding.data or None,
        )
    except DomainError as exc:
        form.file.errors = list(exc.message.splitlines())
        return _index(form, 422)
    folder = Path(current_app.config["MEDIA_DIR"]) / "history-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}{Path(filename).suffix.lower()[:8]}"
    path.write_bytes(data)
    job = job_services.submit(
        db.session,
        kind=_("Exhibitor list %(file)s into %(show)s", file=filename, show=form.show.data.upper()),
        task=history_jobs.TASK,
        params={
            "path": str(path),
            "filename": filename,
            "show_code": form.show.data,
            "name": form.name.data or None,
            "opens": form.opens.data.isoformat() if form.opens.data else None,
            "encoding": form.encoding.data or None,
            "user_id": current_user.id,
            "locale": current_locale_key(),
        },
        user_id=current_user.id,
    )
    db.session.commit()
    job_services.dispatch(job)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/review")
@roles(*KEEPERS)
def review_page() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = review.pending_count(db.session)
    rows = review.pending(db.session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    from expo_crm.followup.routes import Page

    return render_template(
        "history/review.html",
        page=Page(rows, page, PER_PAGE, total),
        form=DecisionForm(formdata=None),
    )


@bp.post("/review/<int:participation_id>")
@roles(*KEEPERS)
def decide(participation_id: int) -> Response:
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Say whether they are the same company."), "error")
        return redirect(url_for("history.review_page"))
    try:
        company = review.decide(
            db.session, participation_id, form.decision.data == "same", current_user
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Decided: it counts for %(name)s.", name=company.name), "success")
    return redirect(url_for("history.review_page", page=request.args.get("page", 1)))
