"""Sign in and out, the user's account and API tokens, staff administration."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from expo_crm.auth import services
from expo_crm.auth.forms import LoginForm, TokenForm, UserForm
from expo_crm.auth.roles import Role, public, roles
from expo_crm.errors import ValidationError
from expo_crm.extensions import db
from expo_crm.i18n import SESSION_KEY

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Follow ``next`` only to a path on this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong email or password."), "error")
        else:
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@roles(*Role)
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def set_language() -> Response:
    """Switch the interface language for this browser session."""
    choice = request.form.get("locale", "")
    if choice in current_app.config["LANGUAGES"]:
        session[SESSION_KEY] = choice
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@roles(*Role)
def account() -> str:
    """The signed-in user's account: their API tokens."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = services.issue_token(db.session, current_user, form.name.data)
        db.session.commit()
    return render_template("auth/account.html", form=form, new_token=new_token)


@bp.route("/users", methods=["GET", "POST"])
@roles(Role.ADMIN)
def users() -> str | Response:
    form = UserForm()
    if form.validate_on_submit():
        try:
            services.create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                role=Role(form.role.data),
                company_id=form.company_id.data,
                territory=form.territory.data or None,
            )
        except ValidationError as exc:
            getattr(form, exc.field, form.email).errors.append(exc.message)  # type: ignore[union-attr]
        else:
            db.session.commit()
            flash(_("User %(email)s created.", email=form.email.data), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/users.html", form=form, users=services.list_users(db.session))
