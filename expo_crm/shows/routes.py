"""Pages for show editions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from expo_crm.auth.roles import STAFF, Role, roles
from expo_crm.errors import ValidationError
from expo_crm.extensions import db
from expo_crm.shows import services
from expo_crm.shows.forms import ShowForm

bp = Blueprint("shows", __name__, url_prefix="/shows")


@bp.get("/")
@roles(*STAFF)
def index() -> str:
    return render_template("shows/list.html", shows=services.list_shows(db.session))


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
