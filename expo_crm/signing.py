"""Signed session cookies and CSRF tokens, at a price a gate scanner can pay per scan.

A gate or kiosk device sends the same session cookie and the same CSRF token with every
request, hundreds a second at a busy entrance. Flask checks the cookie's HMAC and decodes it
on each one, and Flask-WTF looks for the token in a form body before the header a JSON
request carries it in, then checks the token's own signature. All of that is pure work on
unchanged input; here it is done once per process.
"""

from __future__ import annotations

import copy
import hmac
import logging
import time
from typing import Any

from flask import Flask, Request, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect as _CSRFProtect
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from wtforms import ValidationError

log = logging.getLogger(__name__)

#: Request bodies that may carry the CSRF token as a form field.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class CachedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, each distinct cookie verified and decoded once.

    The decoded content is remembered under the cookie's exact text and the signing key, so
    a changed, forged or re-signed cookie is a different entry and is checked in full; an
    entry is kept no longer than the cookie's own signature stays valid. Every request gets
    its own copy to change.
    """

    #: Distinct cookies remembered at most (one per signed-in device); emptied beyond this.
    max_entries = 4096

    def __init__(self) -> None:
        self._verified: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        data = self.remembered(app, value)
        if data is not None:
            return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._verified) >= self.max_entries:
            self._verified.clear()
        self._verified[(value, str(app.secret_key))] = (signed_at.timestamp() + max_age, data)
        return self.session_class(copy.deepcopy(data))

    def remembered(self, app: Flask, value: str) -> dict[str, Any] | None:
        """A copy of what a cookie verified earlier holds, or None if it was not (or no
        longer is) known good."""
        known = self._verified.get((value, str(app.secret_key)))
        if known is not None and time.time() < known[0]:
            return copy.deepcopy(known[1])
        return None


class CSRFProtect(_CSRFProtect):
    """Flask-WTF's CSRF protection, with two shortcuts for devices that post all day.

    A request whose body is not a form is not parsed as one when looking for the token (it
    can only be in a header then). A token's signature is checked once per process: what it
    decodes to is remembered under the token's exact text, the signing key and the time
    limit, until the limit runs out (forever when there is none). The decoded value is still
    compared with the session's on every request, and an altered token is a different entry,
    checked in full.
    """

    #: Distinct tokens remembered at most (one per signed-in device); emptied beyond this.
    max_entries = 4096

    def __init__(self, app: Flask | None = None) -> None:
        self._decoded: dict[tuple[str, str, int | None], tuple[float, str]] = {}
        super().__init__(app)

    def protect(self, apply_exemptions: bool = False) -> None:
        """Validate CSRF on the current request (Flask-WTF's checks, in its order)."""
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        try:
            self.validate(self._get_csrf_token())
        except ValidationError as error:
            log.info(error.args[0])
            self._error_response(error.args[0])
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def validate(self, token: str | None) -> None:
        """Check a signed token against the session's; raise ValidationError (as
        ``flask_wtf.csrf.validate_csrf`` does, with its messages)."""
        secret_key, field_name, time_limit = self.settings()
        if not token:
            raise ValidationError("The CSRF token is missing.")
        if field_name not in session:
            raise ValidationError("The CSRF session token is missing.")
        decoded = self.remembered(token, secret_key, time_limit)
        if decoded is None:
            serializer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
            try:
                decoded, signed_at = serializer.loads(
                    token, max_age=time_limit, return_timestamp=True
                )
            except SignatureExpired as error:
                raise ValidationError("The CSRF token has expired.") from error
            except BadData as error:
                raise ValidationError("The CSRF token is invalid.") from error
            if not isinstance(decoded, str):
                raise ValidationError("The CSRF token is invalid.")
            expires = float("inf") if time_limit is None else signed_at.timestamp() + time_limit
            if len(self._decoded) >= self.max_entries:
                self._decoded.clear()
            self._decoded[(token, secret_key, time_limit)] = (expires, decoded)
        if not hmac.compare_digest(str(session[field_name]), decoded):
            raise ValidationError("The CSRF tokens do not match.")

    def _get_csrf_token(self) -> str | None:
        if request.mimetype in FORM_MIMETYPES:
            return super()._get_csrf_token()  # type: ignore[no-any-return]
        for header in current_app.config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header)
            if token:
                return str(token)
        return None

    def remembered(self, token: str, secret_key: str, time_limit: int | None) -> str | None:
        """What a token checked earlier decodes to, or None if it was not (or no longer is)
        known good."""
        known = self._decoded.get((token, secret_key, time_limit))
        if known is not None and time.time() < known[0]:
            return known[1]
        return None

    def settings(self, app: Flask | None = None) -> tuple[str, str, int | None]:
        """(signing key, session field, time limit) as Flask-WTF reads them from the config."""
        app = app or current_app
        config = app.config
        secret_key = str(config.get("WTF_CSRF_SECRET_KEY") or app.secret_key or "")
        if not secret_key:
            raise RuntimeError("A secret key is required to use CSRF.")
        field_name = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
        return secret_key, field_name, config.get("WTF_CSRF_TIME_LIMIT", 3600)
