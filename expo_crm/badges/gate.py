"""The gate scanner's express lane: ``POST /badges/scan`` answered without Flask's request
machinery, when everything the full path would check is already known good.

A gate device posts the same session cookie and CSRF token hundreds of times a second.
Through Flask each scan pays for a request context, URL matching, the CSRF and role hooks,
session loading and saving, locale selection and JSON helpers: more CPU than the check-in
itself. The lane (WSGI middleware in front of the app) takes a scan only when

* it is a JSON ``POST`` to the scan URL with a small body;
* its session cookie was verified before by this process (``CachedCookieSessionInterface``)
  and names a signed-in user whose role this process confirmed within the role cache's
  bound (``principals``), and that role is one the ``badges.scan`` view declares;
* when CSRF protection is on, its ``X-CSRFToken`` header is a token this process checked
  before and it matches the session's (``CSRFProtect``), and over HTTPS its referrer is
  this host (Flask-WTF's strict check);
* the answer's words were translated for its language before, and the body is a well-formed
  scan (code, gate, optional scan time and id) that the route would accept.

Anything else (a first request, a stale role, a bad token, a malformed body, another role)
goes to Flask untouched, which answers it exactly as before (and warms the caches for the
next scan). So the lane grants nothing the full path would refuse: each check is the same
check, read from the same caches the full path fills. It answers the same JSON with the same
headers, and the check-in itself is the same service call.

If the app gains a request hook the lane does not know, the lane stands aside for good
(:meth:`GateScanLane.hooks_known`), so a new hook is never skipped silently.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from flask import Flask
from flask_wtf.csrf import same_origin
from werkzeug.wsgi import get_host

from expo_crm.auth import principals
from expo_crm.auth.roles import allowed_roles
from expo_crm.badges import checkin, scans
from expo_crm.errors import DomainError
from expo_crm.i18n import SESSION_KEY, locale_key

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

ENDPOINT = "badges.scan"
#: A scan is a few hundred bytes; anything bigger goes the full way.
MAX_BODY = 4096
#: The hooks the lane knows it may skip, app-wide (no blueprint has any): what each does is
#: done here (CSRF, roles), has nothing to do for a scan (Flask-Login's remember cookie, as
#: long as the session asks for none), or is done by the app context the lane pushes
#: (Flask-SQLAlchemy's session removal).
KNOWN_BEFORE = (
    (None, "flask_wtf.csrf.CSRFProtect.init_app.<locals>.csrf_protect"),
    (None, "expo_crm.web.enforce_roles"),
)
KNOWN_AFTER = ((None, "flask_login.login_manager.LoginManager._update_remember_cookie"),)
KNOWN_TEARDOWN_APPCONTEXT = ("flask_sqlalchemy.extension.SQLAlchemy._teardown_session",)


def _qualified(f: Callable[..., Any]) -> str:
    return f"{f.__module__}.{f.__qualname__}"


class GateScanLane:
    """WSGI middleware: answer gate scans directly when nothing needs the full path."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.path: str | None = None
        #: Scans answered here (the rest went to Flask); for tests and curiosity.
        self.served = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == self.scan_path():
            answer = self.answer(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                self.served += 1
                return [body]
        return self.wsgi_app(environ, start_response)

    def scan_path(self) -> str | None:
        if self.path is None:
            rules = [r.rule for r in self.app.url_map.iter_rules(ENDPOINT)]
            self.path = rules[0] if len(rules) == 1 and self.hooks_known() else ""
        return self.path or None

    def hooks_known(self) -> bool:
        """Whether every request hook of the app is one the lane knows it may skip."""
        app = self.app

        def hooks(funcs: dict[Any, list[Callable[..., Any]]]) -> tuple[tuple[Any, str], ...]:
            return tuple((key, _qualified(f)) for key, fs in funcs.items() for f in fs)

        known = (
            hooks(app.before_request_funcs) == KNOWN_BEFORE
            and hooks(app.after_request_funcs) == KNOWN_AFTER
            and not any(app.teardown_request_funcs.values())
            and not any(app.url_value_preprocessors.values())
            and tuple(map(_qualified, app.teardown_appcontext_funcs)) == KNOWN_TEARDOWN_APPCONTEXT
        )
        if not known:
            log.warning("Gate scan lane off: the app has request hooks it does not know")
        return known

    def answer(self, environ: WSGIEnvironment) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The response to a scan, or None to let Flask answer it (body left unread, or put
        back)."""
        app = self.app
        config = app.config
        scheme = environ.get("wsgi.url_scheme")
        if scheme not in ("http", "https"):
            return None
        if app.debug or getattr(app.json, "compact", None) is False:
            return None  # indented JSON
        if (environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip() != "application/json":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= min(MAX_BODY, config.get("MAX_CONTENT_LENGTH") or MAX_BODY):
            return None
        cookie = _cookie(environ.get("HTTP_COOKIE", ""), config["SESSION_COOKIE_NAME"])
        if cookie is None or not app.secret_key:
            return None
        interface = app.session_interface
        remembered = getattr(interface, "remembered", None)
        session = remembered(app, cookie) if remembered else None
        if session is None or self._session_would_change(session):
            return None
        user_id = session.get("_user_id")
        if not isinstance(user_id, str) or not user_id.isdigit():
            return None
        principal = principals.remembered_user(int(user_id))
        admitted = allowed_roles(app.view_functions[ENDPOINT])
        if principal is None or not admitted or principal.role not in admitted:
            return None
        csrf_on = config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]
        if csrf_on and "POST" in config["WTF_CSRF_METHODS"]:
            if not self._csrf_ok(environ, session):
                return None
            strict = scheme == "https" and config["WTF_CSRF_SSL_STRICT"]
            if strict and not self._referrer_ok(environ):
                return None
        language = locale_key(
            config["LANGUAGES"],
            session.get(SESSION_KEY),
            principal.locale,
            environ.get("HTTP_ACCEPT_LANGUAGE"),
        )
        texts = checkin.remembered_scan_texts(language)
        if texts is None:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for Flask, if the lane stands aside
        try:
            scan = scans.read_scan(json.loads(body))
        except (ValueError, DomainError):
            return None  # the route answers it, with its message
        return self._check_in(scan, principal.id, texts)

    def _session_would_change(self, session: dict[str, Any]) -> bool:
        """Whether Flask would answer this session with a cookie: a permanent session
        refreshed on each request, or Flask-Login setting or refreshing its remember cookie."""
        config = self.app.config
        return bool(
            (session.get("_permanent") and config["SESSION_REFRESH_EACH_REQUEST"])
            or "_remember" in session
            or config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")
        )

    def _csrf_ok(self, environ: WSGIEnvironment, session: dict[str, Any]) -> bool:
        from expo_crm.extensions import csrf

        secret_key, field_name, time_limit = csrf.settings(self.app)
        for header in self.app.config["WTF_CSRF_HEADERS"]:
            token = environ.get("HTTP_" + header.upper().replace("-", "_"))
            if token:
                decoded = csrf.remembered(token, secret_key, time_limit)
                expected = session.get(field_name)
                return (
                    decoded is not None
                    and isinstance(expected, str)
                    and hmac.compare_digest(expected, decoded)
                )
        return False

    def _referrer_ok(self, environ: WSGIEnvironment) -> bool:
        """Flask-WTF's check of HTTPS requests: a referrer on this very host."""
        if self.app.config.get("TRUSTED_HOSTS"):
            return False  # Flask validates the host against them: its path decides
        referrer = environ.get("HTTP_REFERER")
        return bool(referrer) and same_origin(referrer, f"https://{get_host(environ)}/")

    def _check_in(
        self,
        scan: scans.Scan,
        user_id: int,
        texts: Any,
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        from flask import globals as flask_globals

        from expo_crm.extensions import db

        app = self.app
        current = flask_globals._cv_app.get(None)
        # Like Flask: an app context of its own unless this app's is already pushed (tests).
        context = app.app_context() if current is None or current.app is not app else None
        if context is not None:
            context.push()
        error: BaseException | None = None
        try:
            try:
                result = checkin.check_in(
                    db.session,
                    scan.code,
                    scan.gate,
                    at=scan.scanned_at,
                    client_uuid=scan.client_uuid,
                    user_id=user_id,
                )
                payload = result.as_dict(texts)
                # A scan on a connection of its own leaves the session without a
                # transaction (often without a session at all): nothing to commit then.
                scoped = cast(Any, db.session)
                if scoped.registry.has() and scoped().in_transaction():
                    scoped.commit()
                status = "200 OK"
            except DomainError as refused:  # as web._domain_error_page answers JSON
                db.session.rollback()
                status = f"{refused.status_code} {_reason(refused.status_code)}"
                payload = {"error": {"status": refused.status_code, "message": refused.message}}
            except Exception as failure:
                log.exception("Gate scan failed")
                db.session.rollback()
                error = failure
                status = "500 INTERNAL SERVER ERROR"
                payload = {"error": {"status": 500, "message": _INTERNAL}}
        finally:
            if context is not None:
                context.pop(error)
        body = (app.json.dumps(payload, separators=(",", ":")) + "\n").encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Vary", "Cookie"),
        ]
        return status, headers, body


_INTERNAL = (
    "The server encountered an internal error and was unable to complete your request. "
    "Either the server is overloaded or there is an error in the application."
)


def _reason(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase.upper()


def _cookie(header: str, name: str) -> str | None:
    """The one value of a cookie in a Cookie header; None if absent, repeated or quoted."""
    found = None
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            if found is not None or value.startswith('"'):
                return None
            found = value
    return found or None
