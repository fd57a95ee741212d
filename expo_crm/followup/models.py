"""Tables of the followup domain: saved segments, prospect weights, opt-outs, campaigns,
outreach (the de-duplication ledger), follow-up tasks and interactions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels


class SavedSegment(Model):
    """A combination of visitor filters a sales user saved under a name."""

    __tablename__ = "followup_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: The filters as :class:`expo_crm.followup.segments.SegmentFilters` stores them.
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User")

    def __repr__(self) -> str:
        return f"<SavedSegment {self.id} {self.name!r}>"


class FollowupSettings(Model):
    """The organizer's settings for follow-up (one row): the prospect score weights."""

    __tablename__ = "followup_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: {signal name: weight}; missing signals take the defaults in ``prospects.DEFAULT_WEIGHTS``.
    prospect_weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<FollowupSettings {self.prospect_weights}>"


class OptOut(Model):
    """A person or a whole company that must not be contacted nor exported for outreach."""

    __tablename__ = "followup_optouts"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (company_id IS NULL)", name="person_xor_company"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<OptOut person={self.person_id} company={self.company_id}>"


class Campaign(Model):
    """One mailing or call round: tasks created in bulk from a segment or the prospect list."""

    __tablename__ = "followup_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: ``segment:<id>``, ``prospects:<show code>`` or ``manual``: where the targets came from.
    source: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r}>"


class Outreach(Model):
    """The ledger that keeps anyone from getting the same mailing twice.

    A row targets either a person or a company (never both); the unique constraints make a
    second attempt for the same target in the same campaign fail, whatever the race.
    """

    __tablename__ = "followup_outreach"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", name="uq_outreach_campaign_person"),
        UniqueConstraint("campaign_id", "company_id", name="uq_outreach_campaign_company"),
        CheckConstraint("(person_id IS NULL) <> (company_id IS NULL)", name="person_xor_company"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("followup_campaigns.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Outreach c={self.campaign_id} p={self.person_id} co={self.company_id}>"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskOutcome(enum.StrEnum):
    INTERESTED = "interested"
    QUOTE_SENT = "quote_sent"
    BOOKED = "booked"  #: signed for the coming edition
    NOT_INTERESTED = "not_interested"
    NO_ANSWER = "no_answer"


register_labels(
    {
        TaskStatus.OPEN: _l("Open"),
        TaskStatus.DONE: _l("Done"),
        TaskStatus.CANCELLED: _l("Cancelled"),
        TaskOutcome.INTERESTED: _l("Interested"),
        TaskOutcome.QUOTE_SENT: _l("Quote sent"),
        TaskOutcome.BOOKED: _l("Booked"),
        TaskOutcome.NOT_INTERESTED: _l("Not interested"),
        TaskOutcome.NO_ANSWER: _l("No answer"),
    }
)


class FollowUpTask(Model):
    """Work assigned to a sales user about a company or a person."""

    __tablename__ = "followup_tasks"
    __table_args__ = (Index("ix_followup_tasks_assignee_status", "assigned_to_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("followup_campaigns.id"), index=True)
    outreach_id: Mapped[int | None] = mapped_column(ForeignKey("followup_outreach.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    assigned_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)
    outcome: Mapped[TaskOutcome | None] = mapped_column(enum_column(TaskOutcome))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    company = relationship("Company")
    person = relationship("Person")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    campaign = relationship("Campaign")
    outreach = relationship("Outreach")

    def is_overdue(self, today: date) -> bool:
        return self.status is TaskStatus.OPEN and self.due_on < today

    def __repr__(self) -> str:
        return f"<FollowUpTask {self.id} {self.status} due {self.due_on}>"


class InteractionKind(enum.StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"


register_labels(
    {
        InteractionKind.CALL: _l("Call"),
        InteractionKind.EMAIL: _l("Email"),
        InteractionKind.MEETING: _l("Meeting"),
        InteractionKind.NOTE: _l("Note"),
    }
)


class Interaction(Model):
    """A contact with a company or person, logged by a sales user."""

    __tablename__ = "followup_interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("followup_tasks.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[InteractionKind] = mapped_column(enum_column(InteractionKind))
    summary: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<Interaction {self.kind} company={self.company_id} person={self.person_id}>"


class LearnedModel(Model):
    """Weights learned from the show's history, with the backtests that judged them.

    The latest row of a kind decides: when ``adopted``, its ``score`` ranks that list;
    otherwise the hand weights do (see :mod:`expo_crm.followup.learning`).
    """

    __tablename__ = "followup_learned_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``prospects`` or ``rebooking``.
    kind: Mapped[str] = mapped_column(String(20), index=True)
    adopted: Mapped[bool] = mapped_column(default=False)
    #: The fitted score as ``LinearScore.as_dict()``; empty when refused.
    score: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: {"folds": [backtest per year], "mean_auc": {ranking: auc}, "reason": text}.
    evaluation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Codes of the editions whose next edition's outcome it was fitted on.
    trained_on: Mapped[list[Any]] = mapped_column(default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LearnedModel {self.kind} {'adopted' if self.adopted else 'refused'}>"
