"""Back-office pages of outgoing mail: the outbox and each message."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.extensions import db
from expo_crm.mail import delivery, outbox
from expo_crm.mail.models import MessageState, Topic

bp = Blueprint("mail", __name__, url_prefix="/mail")

#: Who builds and sends mail (admins are always admitted).
SENDERS = (Role.SALES,)


def _enum_arg(name: str, enum_class: Any) -> Any:
    raw = request.args.get(name) or None
    try:
        return enum_class(raw) if raw else None
    except ValueError:
        return None


@bp.get("/")
@roles(*SENDERS)
def outbox_page() -> str:
    """The outbox: every message with its state, newest first."""
    state = _enum_arg("state", MessageState)
    topic = _enum_arg("topic", Topic)
    query = outbox.messages_query(state, topic, request.args.get("q", ""))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "mail/outbox.html",
        page=page,
        counts=outbox.state_counts(db.session),
        state=state,
        topic=topic,
        states=list(MessageState),
        topics=list(Topic),
        smtp=delivery.SmtpSettings.from_config(current_app.config),
    )


@bp.get("/messages/<int:message_id>")
@roles(*SENDERS)
def message(message_id: int) -> str:
    return render_template(
        "mail/message_page.html", message=outbox.get_message(db.session, message_id)
    )


@bp.post("/messages/<int:message_id>/again")
@roles(*SENDERS)
def send_again(message_id: int) -> Response:
    message = outbox.get_message(db.session, message_id)
    outbox.send_again(db.session, message, current_user)
    db.session.commit()
    flash(_("The message is queued again."), "success")
    return redirect(url_for("mail.message", message_id=message_id))


@bp.post("/deliver")
@roles(*SENDERS)
def deliver_now() -> Response:
    """Start delivery of everything due now (it also starts by itself after queueing)."""
    if delivery.SmtpSettings.from_config(current_app.config) is None:
        flash(_("No mail server is configured (SMTP_HOST): messages stay in the outbox."), "error")
    else:
        delivery.kick()
        flash(_("Delivery started."), "success")
    return redirect(url_for("mail.outbox_page"))
