"""Back-office pages of outgoing mail: the outbox and each message."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.extensions import db
from expo_crm.mail import campaigns as mailings
from expo_crm.mail import delivery, outbox
from expo_crm.mail import templates as mail_templates
from expo_crm.mail.models import MessageState, Topic
from expo_crm.mail.wording import variables

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
    from expo_crm.mail.compose import with_inline_qr

    message = outbox.get_message(db.session, message_id)
    return render_template(
        "mail/message_page.html",
        message=message,
        html=with_inline_qr(message.body_html, message.qr_payload),
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


# -- templates -------------------------------------------------------------------------------


def _show() -> Any:
    from expo_crm.errors import NotFound
    from expo_crm.shows.services import current_show, get_show

    code = request.values.get("show")
    show = get_show(db.session, code) if code else current_show(db.session)
    if show is None:
        raise NotFound(_("No show edition is set up yet."))
    return show


def _topic(raw: str) -> Topic:
    from expo_crm.errors import NotFound

    try:
        return Topic(raw)
    except ValueError:
        raise NotFound(_("No such message.")) from None


@bp.get("/templates")
@roles(*SENDERS)
def templates() -> str:
    from expo_crm.shows.services import list_shows

    show = _show()
    return render_template(
        "mail/templates.html",
        show=show,
        shows=list_shows(db.session),
        rows=mail_templates.overview(db.session, show),
    )


@bp.route("/templates/<topic>/<language>", methods=["GET", "POST"])
@roles(*SENDERS)
def edit_template(topic: str, language: str) -> Any:
    """Edit one message's wording for an edition, with a preview before saving."""
    from expo_crm.errors import ValidationError

    show, kind = _show(), _topic(topic)
    language = mail_templates.check_language(language)
    subject, body = outbox.template_for(db.session, show, kind, language)
    error = None
    if request.method == "POST":
        subject, body = request.form.get("subject", ""), request.form.get("body", "")
        action = request.form.get("action", "preview")
        try:
            if action == "reset":
                mail_templates.reset(db.session, show, kind, language)
                db.session.commit()
                flash(_("Back to the default wording."), "success")
                return redirect(url_for("mail.edit_template", topic=kind.value,
                                        language=language, show=show.code))  # fmt: skip
            if action == "save":
                mail_templates.save(db.session, show, kind, language, subject, body, current_user)
                db.session.commit()
                flash(_("Template saved."), "success")
                return redirect(url_for("mail.edit_template", topic=kind.value,
                                        language=language, show=show.code))  # fmt: skip
        except ValidationError as exc:
            db.session.rollback()
            error = exc
    rendered = None
    if error is None:
        try:
            rendered = mail_templates.preview(show, kind, language, subject, body)
        except ValidationError as exc:  # a preview of a bad template shows why
            error = exc
    return render_template(
        "mail/template_edit.html",
        show=show,
        topic=kind,
        language=language,
        subject=subject,
        body=body,
        rendered=rendered,
        error=error.message if error else None,
        variables=variables(kind),
        edited=any(
            r["edited"]
            for r in mail_templates.overview(db.session, show)
            if r["topic"] is kind and r["language"] == language
        ),
    ), (422 if error else 200)


# -- mailings --------------------------------------------------------------------------------


@bp.get("/campaigns")
@roles(*SENDERS)
def campaigns() -> str:
    from expo_crm.followup.segments import list_segments
    from expo_crm.shows.services import list_shows

    show = _show()
    return render_template(
        "mail/campaigns.html",
        show=show,
        shows=list_shows(db.session),
        mailings=[
            (m, outbox.state_counts(db.session, m.campaign_id))
            for m in mailings.list_mailings(db.session)
        ],
        segments=list_segments(db.session),
        topics=[Topic.PROSPECT_INVITATION, Topic.REBOOKING_INVITATION],
    )


@bp.post("/campaigns")
@roles(*SENDERS)
def create_campaign() -> Response:
    show = _show()
    mailing = mailings.create_mailing(
        db.session, show, request.form.get("topic", ""), request.form.get("source", ""),
        request.form.get("name", ""), current_user,
    )  # fmt: skip
    db.session.commit()
    return redirect(url_for("mail.campaign", mailing_id=mailing.id))


@bp.get("/campaigns/<int:mailing_id>")
@roles(*SENDERS)
def campaign(mailing_id: int) -> str:
    mailing = mailings.get_mailing(db.session, mailing_id)
    plan = mailings.preview(db.session, mailing) if mailing.state.value == "draft" else None
    counts = outbox.state_counts(db.session, mailing.campaign_id)
    return render_template(
        "mail/campaign.html",
        mailing=mailing,
        plan=plan,
        counts=counts,
        total=sum(counts.values()),
    )


@bp.post("/campaigns/<int:mailing_id>/send")
@roles(*SENDERS)
def send_campaign(mailing_id: int) -> Response:
    from expo_crm.jobs import services as jobs

    mailing = mailings.get_mailing(db.session, mailing_id)
    job = mailings.start_sending(db.session, mailing, current_user)
    db.session.commit()
    jobs.dispatch(job)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/surveys/<int:survey_id>/invite")
@roles(*SENDERS)
def survey_invitations(survey_id: int) -> Response:
    """Make (or open) the mailing that invites a survey's audience."""
    from expo_crm.surveys.services import get_survey

    survey = get_survey(db.session, survey_id)
    mailing = mailings.mailing_for_survey(db.session, survey, current_user)
    db.session.commit()
    return redirect(url_for("mail.campaign", mailing_id=mailing.id))


# -- overdue-invoice reminders ---------------------------------------------------------------


@bp.route("/reminders", methods=["GET", "POST"])
@roles(Role.SALES, Role.FINANCE)
def reminders() -> Any:
    """Overdue invoices of an edition, each with who gets its reminder; send them."""
    from expo_crm.exhibitors.invoicing import overdue_invoices

    show = _show()
    if request.method == "POST":
        chosen = {int(i) for i in request.form.getlist("invoice") if i.isdigit()}
        sent = 0
        for row in overdue_invoices(db.session, show):
            if row.invoice_id in chosen and outbox.send_invoice_reminder(
                db.session, row.invoice_id, current_user
            ):
                sent += 1
        db.session.commit()
        flash(_("%(n)s reminders queued.", n=sent), "success")
        return redirect(url_for("mail.reminders", show=show.code))
    rows = overdue_invoices(db.session, show)
    return render_template(
        "mail/reminders.html",
        show=show,
        rows=rows,
        contacts=outbox.reminder_contacts(db.session, [r.company_id for r in rows]),
        last_sent=outbox.last_reminders(db.session, [r.number for r in rows]),
    )
