"""Pages for show editions."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import STAFF, Role, roles
from expo_crm.errors import DomainError, ValidationError
from expo_crm.extensions import db
from expo_crm.shows import services
from expo_crm.shows.forms import ShowForm

bp = Blueprint("shows", __name__, url_prefix="/shows")


@bp.get("/")
@roles(*STAFF)
def index() -> str:
    return render_template(
        "shows/list.html", shows=services.list_shows(db.session, include_archived=True)
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.SALES)
def new() -> str | Response:
    form = ShowForm()
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        data["country"] = data["country"].upper()
        data["currency"] = data["currency"].upper()
        data["phone_region"] = data["phone_region"].upper()
        try:
            show = services.create_show(db.session, **data)
        except ValidationError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Show %(code)s created.", code=show.code), "success")
            return redirect(url_for("shows.index"))
    return render_template("shows/form.html", form=form)


# -- an edition created by mistake -----------------------------------------------------------


def _change(code: str, action: Callable[..., None], done: str) -> Response:
    show = services.get_show(db.session, code)
    try:
        action(db.session, show, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done % {"code": show.code}, "success")
    return redirect(url_for("shows.index"))


@bp.post("/<code>/delete")
@roles(Role.SALES)
def delete(code: str) -> Response:
    """Delete an edition that holds no data (created by mistake)."""
    return _change(code, services.delete_show, _("Edition %(code)s deleted."))


@bp.post("/<code>/archive")
@roles()
def archive(code: str) -> Response:
    """Archive an edition: its data stays, it leaves the lists and figures."""
    return _change(code, services.archive_show, _("Edition %(code)s archived."))


@bp.post("/<code>/restore")
@roles()
def restore(code: str) -> Response:
    return _change(code, services.restore_show, _("Edition %(code)s restored."))
