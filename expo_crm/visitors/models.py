"""Registrations of people at an edition, their consents, and business-card captures."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import db


class VisitorCategory(enum.StrEnum):
    TRADE = "trade"
    PUBLIC = "public"
    PRESS = "press"
    EXHIBITOR_STAFF = "exhibitor_staff"
    VIP = "vip"


class RegistrationSource(enum.StrEnum):
    PREREGISTERED = "preregistered"  #: online before the show
    KIOSK = "kiosk"
    ONSITE_DESK = "onsite_desk"
    IMPORT = "import"  #: card folders, lists


class Registration(db.Model):
    """A person at one edition; one per person and edition."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("show_id", "person_id"),
        Index("ix_registrations_show_category", "show_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: The employer at the time of this edition (people change jobs between editions).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    category: Mapped[VisitorCategory] = mapped_column(enum_column(VisitorCategory))
    source: Mapped[RegistrationSource] = mapped_column(enum_column(RegistrationSource))
    #: Code given at online pre-registration, accepted by the kiosk (not the badge code).
    confirmation_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    #: Questionnaire answers: industry, job_function, purchasing_role, interests (list)…
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    industry: Mapped[str | None] = mapped_column(String(100), index=True)
    job_function: Mapped[str | None] = mapped_column(String(100))
    purchasing_role: Mapped[str | None] = mapped_column(String(50))
    #: Consent to marketing by the organizer (latest state; history in ConsentRecord).
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    #: Consent to reveal contact details to exhibitors who scan the badge.
    consent_share: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    show = relationship("Show")
    person = relationship("Person")
    company = relationship("Company")

    def __repr__(self) -> str:
        return f"<Registration show={self.show_id} person={self.person_id} {self.category}>"


class ConsentKind(enum.StrEnum):
    MARKETING = "marketing"
    SHARE_WITH_EXHIBITORS = "share_with_exhibitors"


class ConsentRecord(db.Model):
    """A consent given or withdrawn, with the wording the person saw and when."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind, length=30))
    granted: Mapped[bool]
    #: The exact text shown, in the language shown.
    wording: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ConsentRecord {self.kind} {self.granted} person={self.person_id}>"
