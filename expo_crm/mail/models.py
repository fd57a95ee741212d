"""Tables of outgoing mail: the outbox, the organizer's edited templates, mailings."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels


class MailKind(enum.StrEnum):
    """Whether a message needs the recipient's marketing consent."""

    TRANSACTIONAL = "transactional"  #: confirmation, badge, invoice: part of a service asked for
    MARKETING = "marketing"  #: invitations and surveys: consent and an unsubscribe link


class Topic(enum.StrEnum):
    """Which message it is; each has a default template per language and may be edited."""

    REGISTRATION_CONFIRMATION = "registration_confirmation"
    BADGE_READY = "badge_ready"
    SURVEY_INVITATION = "survey_invitation"
    REBOOKING_INVITATION = "rebooking_invitation"
    PROSPECT_INVITATION = "prospect_invitation"
    INVOICE_REMINDER = "invoice_reminder"

    @property
    def kind(self) -> MailKind:
        return MARKETING_TOPICS.get(self, MailKind.TRANSACTIONAL)


MARKETING_TOPICS = {
    Topic.SURVEY_INVITATION: MailKind.MARKETING,
    Topic.REBOOKING_INVITATION: MailKind.MARKETING,
    Topic.PROSPECT_INVITATION: MailKind.MARKETING,
}


class MessageState(enum.StrEnum):
    QUEUED = "queued"  #: waiting for its (next) attempt
    SENDING = "sending"  #: taken by a sender; see ``handed_over_at``
    SENT = "sent"  #: the SMTP server accepted it
    FAILED = "failed"  #: refused for good, or out of attempts: the server's answer is kept
    UNSURE = "unsure"  #: the sender stopped while the server was taking it: not resent by itself


class MailingState(enum.StrEnum):
    DRAFT = "draft"
    SENDING = "sending"  #: its job is queuing the messages
    SENT = "sent"  #: every message is in the outbox


register_labels(
    {
        MailingState.DRAFT: _l("Draft"),
        MailingState.SENDING: _l("Sending"),
        MailingState.SENT: _l("Sent"),
        MailKind.TRANSACTIONAL: _l("Transactional"),
        MailKind.MARKETING: _l("Marketing"),
        Topic.REGISTRATION_CONFIRMATION: _l("Registration confirmation"),
        Topic.BADGE_READY: _l("Badge ready"),
        Topic.SURVEY_INVITATION: _l("Survey invitation"),
        Topic.REBOOKING_INVITATION: _l("Rebooking invitation"),
        Topic.PROSPECT_INVITATION: _l("Invitation to exhibit"),
        Topic.INVOICE_REMINDER: _l("Overdue-invoice reminder"),
        MessageState.QUEUED: _l("Queued"),
        MessageState.SENDING: _l("Sending"),
        MessageState.SENT: _l("Sent"),
        MessageState.FAILED: _l("Failed"),
        MessageState.UNSURE: _l("Interrupted"),
    }
)


def new_message_id() -> str:
    return secrets.token_hex(16)


class Message(Model):
    """One e-mail, rendered when queued and kept exactly as sent."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind))
    topic: Mapped[Topic] = mapped_column(enum_column(Topic, length=40))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    #: The followup campaign this message belongs to (marketing rounds).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("followup_campaigns.id"), index=True)
    #: Normalized (lower-case) address the message goes to.
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    to_name: Mapped[str] = mapped_column(String(200), default="")
    #: ``en`` or ``zh``: the language the message is written in.
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: Text of the QR code shown inline in the HTML part (a confirmation code), if any.
    qr_payload: Mapped[str | None] = mapped_column(String(64))
    #: Extra headers, e.g. List-Unsubscribe: {"List-Unsubscribe": "<https://…>"}.
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The random left part of the Message-ID header, fixed when queued (same on a retry).
    message_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_message_id)
    state: Mapped[MessageState] = mapped_column(
        enum_column(MessageState), default=MessageState.QUEUED
    )
    #: Attempts started (a claimed message counts one).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not to be tried before this time (back-off after a temporary failure).
    next_attempt_at: Mapped[datetime | None]
    #: When a sender took the message (state ``sending``): an old claim is a dead sender's.
    claimed_at: Mapped[datetime | None]
    #: When the sender began handing the content to the server (SMTP DATA); set with
    #: ``sending``, it means the server may hold the message, so it is never resent by itself.
    handed_over_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: What the message is about, e.g. ``invoice:EXPO2026-0042`` (reminders look it up).
    reference: Mapped[str | None] = mapped_column(String(80), index=True)
    #: The SMTP server's last answer (or the connection error) on failure.
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The server refused the address for good (5xx at RCPT): campaigns exclude it.
    bounced: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person = relationship("Person")
    show = relationship("Show")

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.topic} to {self.to_address} {self.state}>"


class MailTemplate(Model):
    """The organizer's wording of one message in one language for one edition."""

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("show_id", "topic", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    topic: Mapped[Topic] = mapped_column(enum_column(Topic, length=40))
    language: Mapped[str] = mapped_column(String(10))
    #: Jinja text (rendered in a sandbox) for the subject line.
    subject: Mapped[str] = mapped_column(String(300))
    #: Jinja text (rendered in a sandbox): paragraphs separated by blank lines.
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<MailTemplate show={self.show_id} {self.topic} {self.language}>"


class Mailing(Model):
    """The e-mail side of a followup campaign: which message, for which edition, sent when."""

    __tablename__ = "mail_mailings"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("followup_campaigns.id"), unique=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    topic: Mapped[Topic] = mapped_column(enum_column(Topic, length=40))
    state: Mapped[MailingState] = mapped_column(
        enum_column(MailingState), default=MailingState.DRAFT
    )
    #: The job that queues its messages (its progress page).
    job_id: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    campaign = relationship("Campaign")
    show = relationship("Show")

    def __repr__(self) -> str:
        return f"<Mailing {self.id} {self.topic} campaign={self.campaign_id} {self.state}>"
