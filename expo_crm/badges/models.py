"""Tables of the badges domain: badges, their layouts, gate check-ins and exhibitor leads."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels
from expo_crm.visitors.models import VisitorCategory


class BadgeSize(enum.StrEnum):
    A6 = "a6"  #: 105 × 148 mm, portrait
    IN4X3 = "4x3"  #: 4 × 3 in, landscape (the common badge-holder size)

    @property
    def label(self) -> str:
        return {"a6": "A6 (105 × 148 mm)", "4x3": "4 × 3 in"}[self.value]


#: What a badge's band says of each category (printed on the badge, shown at the gate).
CATEGORY_LABELS = {
    VisitorCategory.TRADE: _l("Trade visitor"),
    VisitorCategory.PUBLIC: _l("Visitor"),
    VisitorCategory.EXHIBITOR_STAFF: _l("Exhibitor"),
    VisitorCategory.PRESS: _l("Press"),
    VisitorCategory.VIP: _l("VIP"),
}


class Badge(Model):
    """A printed pass of one registration; reissuing revokes the old badge and makes a new one."""

    __tablename__ = "badges"
    __table_args__ = (Index("ix_badges_registration_active", "registration_id", "revoked_at"),)

    #: The random part of the code (16 base32 characters): opaque, never sequential.
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: What the QR code holds: the id followed by a truncated HMAC of it (24 characters).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Times this badge was printed (bulk or single); more than one is a reprint.
    print_count: Mapped[int] = mapped_column(default=0)
    last_printed_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    registration = relationship("Registration")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Badge {self.id} registration={self.registration_id}>"


class BadgeLayout(Model):
    """How one category's badges look at one edition, and on which days they admit."""

    __tablename__ = "badge_layouts"
    __table_args__ = (UniqueConstraint("show_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    category: Mapped[VisitorCategory] = mapped_column(enum_column(VisitorCategory))
    size: Mapped[BadgeSize] = mapped_column(enum_column(BadgeSize, length=8))
    #: Colour of the category band, ``#rrggbb``.
    band_color: Mapped[str] = mapped_column(String(7))
    #: Colour of the text on the band, ``#rrggbb``.
    text_color: Mapped[str] = mapped_column(String(7))
    #: ISO dates on which this category is admitted; empty means every show day.
    valid_days: Mapped[list[Any]] = mapped_column(default=list)

    def __repr__(self) -> str:
        return f"<BadgeLayout show={self.show_id} {self.category} {self.size}>"


class GateSettings(Model):
    """Check-in rules of one edition."""

    __tablename__ = "gate_settings"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), primary_key=True)
    #: Refuse a badge already admitted today at another gate or earlier (no pass-back).
    deny_reentry: Mapped[bool] = mapped_column(default=False)
    #: Scans of one badge at one gate within this many seconds count once.
    dedupe_seconds: Mapped[int] = mapped_column(default=120)

    def __repr__(self) -> str:
        return f"<GateSettings show={self.show_id}>"


class CheckIn(Model):
    """A badge admitted at a gate: the attendance record (refused scans are only logged)."""

    __tablename__ = "checkins"
    __table_args__ = (
        #: Idempotency: one row per badge, gate and time bucket.
        UniqueConstraint("badge_id", "gate", "bucket"),
        Index("ix_checkins_show_day_gate", "show_id", "day", "gate"),
        Index("ix_checkins_registration_day", "registration_id", "day"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    gate: Mapped[str] = mapped_column(String(40))
    #: The show-local day of the scan.
    day: Mapped[date]
    #: Seconds since the epoch divided by the show's dedupe window.
    bucket: Mapped[int] = mapped_column(BigInteger)
    scanned_at: Mapped[datetime]
    #: UUID made by the scanning page, so a queued scan sent twice is stored once.
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<CheckIn {self.badge_id} {self.gate} {self.day}>"


class LeadRating(enum.StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class LeadQuestionKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    YESNO = "yesno"


register_labels(
    {
        LeadRating.HOT: _l("Hot"),
        LeadRating.WARM: _l("Warm"),
        LeadRating.COLD: _l("Cold"),
        LeadQuestionKind.TEXT: _l("Free text"),
        LeadQuestionKind.CHOICE: _l("One of a list"),
        LeadQuestionKind.YESNO: _l("Yes or no"),
    }
)


class LeadQuestion(Model):
    """An exhibitor's own qualifying question, asked at the booth."""

    __tablename__ = "lead_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    kind: Mapped[LeadQuestionKind] = mapped_column(enum_column(LeadQuestionKind, length=10))
    #: For ``choice`` questions: the answers offered.
    choices: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<LeadQuestion {self.id} of company {self.company_id}>"


class Lead(Model):
    """A visitor scanned at an exhibitor's booth; one per visitor and exhibitor per edition."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("show_id", "company_id", "registration_id"),
        Index("ix_leads_company_show", "company_id", "show_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    #: The exhibiting company that captured the lead.
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id"))
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rating: Mapped[LeadRating | None] = mapped_column(enum_column(LeadRating, length=10))
    notes: Mapped[str] = mapped_column(Text, default="")
    #: {question id (as text): answer}
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Times the badge was scanned at this booth.
    scan_count: Mapped[int] = mapped_column(default=1)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    registration = relationship("Registration")
    company = relationship("Company")

    def __repr__(self) -> str:
        return f"<Lead {self.id} company={self.company_id} registration={self.registration_id}>"


class LeadScan(Model):
    """One scan of a visitor's badge at an exhibitor's booth, known by the scanning page's
    UUID: a scan queued offline and sent twice adds neither a lead nor a scan twice."""

    __tablename__ = "lead_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    scanned_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<LeadScan {self.client_uuid} of lead {self.lead_id}>"
