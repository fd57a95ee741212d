"""Signed session cookies and CSRF tokens, at a price a gate scanner can pay per scan.

A gate or kiosk device sends the same session cookie with every request, hundreds a second
at a busy entrance. Flask checks the cookie's HMAC and decodes it on each one, and
Flask-WTF looks for a CSRF token in a form body before the header a JSON request carries it
in. Both are pure work on unchanged input; here they are done once.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from flask import Flask, Request, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect as _CSRFProtect
from itsdangerous import BadSignature

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
        key = (value, str(app.secret_key))
        now = time.time()
        known = self._verified.get(key)
        if known is not None and now < known[0]:
            return self.session_class(copy.deepcopy(known[1]))
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
        self._verified[key] = (signed_at.timestamp() + max_age, data)
        return self.session_class(copy.deepcopy(data))


class CSRFProtect(_CSRFProtect):
    """Flask-WTF's CSRF protection; a request whose body is not a form is not parsed as one
    when looking for the token (it can only be in a header then)."""

    def _get_csrf_token(self) -> str | None:
        if request.mimetype in FORM_MIMETYPES:
            return super()._get_csrf_token()  # type: ignore[no-any-return]
        for header in current_app.config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header)
            if token:
                return str(token)
        return None
