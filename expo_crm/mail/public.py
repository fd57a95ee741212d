"""Public pages of outgoing mail, opened from a message without signing in: unsubscribe."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from expo_crm.auth.roles import public
from expo_crm.errors import DomainError
from expo_crm.extensions import csrf, db
from expo_crm.i18n import current_locale_key
from expo_crm.mail import consent

bp = Blueprint("mail_public", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # mail clients post RFC 8058 one-click requests without a form token
def unsubscribe(token: str) -> Any:
    """Confirm, then withdraw marketing consent (a POST: one click in the mail client)."""
    try:
        person_id = consent.read_unsubscribe_token(token)
    except DomainError as exc:
        return render_template("mail/unsubscribe.html", error=exc.message), 400
    if request.method == "GET":
        return render_template("mail/unsubscribe.html", token=token)
    try:
        consent.unsubscribe(db.session, person_id, current_locale_key())
    except DomainError as exc:
        return render_template("mail/unsubscribe.html", error=exc.message), 404
    db.session.commit()
    return render_template("mail/unsubscribe.html", done=True, message=_("You are unsubscribed."))
