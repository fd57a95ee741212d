"""Request plumbing shared by every blueprint: the role guard, error pages, template helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Flask,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response as WerkzeugResponse

from expo_crm.auth.roles import PUBLIC, Role, allowed_roles, public
from expo_crm.errors import DomainError
from expo_crm.extensions import db, login_manager

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    app.before_request(enforce_roles)
    app.register_error_handler(HTTPException, _http_error_page)
    app.register_error_handler(DomainError, _domain_error_page)
    app.context_processor(_template_globals)
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/healthz", "healthz", healthz)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        from expo_crm.auth.models import User

        return db.session.get(User, int(user_id))


def enforce_roles() -> WerkzeugResponse | None:
    """Admit the request only if the endpoint declares the current user's role.

    Deny by default: an endpoint that declares no roles is refused for everyone, so a
    forgotten declaration fails closed. API requests authenticate with a bearer token only.
    """
    # One app context may serve several requests in tests; never reuse a cached user.
    g.pop("_login_user", None)
    g.pop("principal", None)
    g.pop("_principal_user", None)
    if request.endpoint is None:
        return None  # 404/405 are answered by the router
    admitted = endpoint_roles(request.endpoint)
    if admitted is None:
        log.error("Endpoint %s declares no roles; refused", request.endpoint)
        return _refuse(403)
    if admitted is PUBLIC:
        return None
    from expo_crm.auth import principals

    if request.blueprint == "api":
        from expo_crm.api import api_error

        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        principal, touched = (
            principals.for_token(db.session, token.strip())
            if scheme.lower() == "bearer"
            else (None, False)
        )
        if principal is None:
            return api_error(401, "Send a valid API token as 'Authorization: Bearer <token>'.")
        if touched:
            db.session.commit()  # the token's last-used time, at most once a minute
        g.principal = principal
        g._login_user = LocalProxy(_principal_user)  # what Flask-Login's current_user reads
        if principal.role not in admitted:
            return api_error(403, f"The role {principal.role} may not use this endpoint.")
        return None
    user_id = session.get("_user_id")
    if user_id is None or not str(user_id).isdigit():
        # Not signed in (or a remember-me cookie): Flask-Login decides.
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in admitted:
            return _refuse(403)
        return None
    # Signed in: the role comes from a short per-process cache; current_user (the User row)
    # is loaded only if the view asks for it.
    principal = principals.for_user_id(db.session, int(user_id))
    if principal is None:
        return login_manager.unauthorized()
    g.principal = principal
    if principal.role not in admitted:
        return _refuse(403)
    return None


def _principal_user() -> Any:
    """The User row of the request's principal, loaded once on first use."""
    user = g.get("_principal_user")
    if user is None:
        from expo_crm.auth.models import User

        user = g._principal_user = db.session.get(User, g.principal.id)
    return user


def current_user_id() -> int | None:
    """The signed-in user's id without loading the User row (None when anonymous)."""
    principal = g.get("principal")
    if principal is not None:
        return int(principal.id)
    return int(current_user.id) if current_user.is_authenticated else None


def endpoint_roles(endpoint: str) -> frozenset[Any] | None:
    """Return the roles an endpoint admits (PUBLIC for static files), None if undeclared."""
    from flask import current_app

    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return allowed_roles(view) if view else None


def _refuse(status: int) -> WerkzeugResponse:
    from flask import abort

    abort(status)


def answers_json(view: F) -> F:
    """Mark a page view that takes and answers JSON (a scanning page's endpoint): its errors
    are answered as JSON whatever the request looks like."""
    view.answers_json = True  # type: ignore[attr-defined]
    return view


def _wants_json() -> bool:
    """Whether to answer an error as JSON: on the API, from a view marked with
    :func:`answers_json`, to a JSON request, or when asked for JSON."""
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint or "")
    return (
        request.blueprint == "api"
        or getattr(view, "answers_json", False)
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _http_error_page(exc: HTTPException) -> Any:
    if _wants_json():
        from expo_crm.api import api_error

        return api_error(exc.code or 500, exc.description or exc.name)
    return render_template("errors/http.html", error=exc), exc.code


def _domain_error_page(exc: DomainError) -> Any:
    """A service refused: roll back, say why, and send the user back where they came from."""
    db.session.rollback()
    if _wants_json():
        from expo_crm.api import api_error

        return api_error(exc.status_code, exc.message)
    flash(exc.message, "error")
    if request.method == "GET":
        return render_template("errors/http.html", error=exc), exc.status_code
    return redirect(request.referrer or url_for("index"))


def _template_globals() -> dict[str, Any]:
    from flask import current_app

    from expo_crm.i18n import current_locale_key

    return {
        "Role": Role,
        "languages": current_app.config["LANGUAGES"],
        "current_locale": current_locale_key(),
        "can": can,
    }


def can(endpoint: str) -> bool:
    """Tell templates whether the current user may open an endpoint (to hide dead links)."""
    admitted = endpoint_roles(endpoint)
    if admitted is PUBLIC:
        return True
    return bool(admitted and current_user.is_authenticated and current_user.role in admitted)


#: Where each role lands after signing in.
HOME_BY_ROLE = {
    Role.ADMIN: "exhibitors.dashboard",
    Role.SALES: "exhibitors.dashboard",
    Role.FINANCE: "exhibitors.overdue",
    Role.ONSITE: "badges.gate",
    Role.KIOSK: "kiosk.welcome",
    Role.SCANNER: "badges.lead_scanner",
}


@public
def index() -> WerkzeugResponse:
    """Send each user to the page their role works on."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    from flask import current_app

    endpoint = HOME_BY_ROLE.get(current_user.role, "directory.companies")
    if endpoint not in current_app.view_functions:
        endpoint = "directory.companies" if can("directory.companies") else "auth.account"
    return redirect(url_for(endpoint))


@public
def healthz() -> Response:
    db.session.execute(db.text("SELECT 1"))
    return Response("ok", mimetype="text/plain")


def flash_saved(what: str) -> None:
    flash(_("%(what)s saved.", what=what), "success")
