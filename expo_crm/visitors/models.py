"""Registrations of people at an edition, their consents, and business-card captures."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import JSONType, enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels


class VisitorCategory(enum.StrEnum):
    TRADE = "trade"
    PUBLIC = "public"
    PRESS = "press"
    EXHIBITOR_STAFF = "exhibitor_staff"
    VIP = "vip"


register_labels(
    {
        VisitorCategory.TRADE: _l("Trade visitor"),
        VisitorCategory.PUBLIC: _l("Public"),
        VisitorCategory.PRESS: _l("Press"),
        VisitorCategory.EXHIBITOR_STAFF: _l("Exhibitor staff"),
        VisitorCategory.VIP: _l("VIP"),
    }
)


class RegistrationSource(enum.StrEnum):
    PREREGISTERED = "preregistered"  #: online before the show
    KIOSK = "kiosk"
    ONSITE_DESK = "onsite_desk"
    IMPORT = "import"  #: card folders, lists


register_labels(
    {
        RegistrationSource.PREREGISTERED: _l("Preregistered online"),
        RegistrationSource.KIOSK: _l("Kiosk"),
        RegistrationSource.ONSITE_DESK: _l("On-site desk"),
        RegistrationSource.IMPORT: _l("Imported"),
    }
)


class Registration(Model):
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

    # Not mapped (no column): set by ``services.register_visitor`` on the registration it
    # returns, so its caller knows what that call did.
    #: Whether the call created the person (a first-time visitor).
    is_new_person: bool = False
    #: Whether the call issued ``confirmation_code`` (a new pre-registration).
    issued_code: bool = False

    def __repr__(self) -> str:
        return f"<Registration show={self.show_id} person={self.person_id} {self.category}>"


class ConsentKind(enum.StrEnum):
    MARKETING = "marketing"
    SHARE_WITH_EXHIBITORS = "share_with_exhibitors"


class ConsentRecord(Model):
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


class QuestionKind(enum.StrEnum):
    SINGLE = "single"  #: pick one option
    MULTIPLE = "multiple"  #: pick any number of options
    TEXT = "text"  #: a short free answer


register_labels(
    {
        QuestionKind.SINGLE: _l("One choice"),
        QuestionKind.MULTIPLE: _l("Several choices"),
        QuestionKind.TEXT: _l("Free text"),
    }
)


class Question(Model):
    """One question of an edition's visitor questionnaire, edited by the organizer.

    Questions keyed ``industry``, ``job_function`` and ``purchasing_role`` also fill the
    registration's columns of the same name (the segments the follow-up work relies on).
    """

    __tablename__ = "visitor_questions"
    __table_args__ = (UniqueConstraint("show_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    #: Stable identifier of the answer in ``Registration.answers`` (``industry``, ``interests``).
    key: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    #: The question in each interface language: {"en": "...", "zh_Hans_CN": "..."}.
    label: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: [{"value": "packaging", "label": {"en": "Packaging", "zh_Hans_CN": "包装"}}, ...]
    options: Mapped[list[Any]] = mapped_column(default=list)
    required: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    show = relationship("Show")

    def text(self, language: str) -> str:
        """Return the question in ``language``, falling back to English."""
        return str(self.label.get(language) or self.label.get("en") or self.key)

    def option_text(self, value: str, language: str) -> str:
        for option in self.options:
            if option["value"] == value:
                labels = option.get("label", {})
                return str(labels.get(language) or labels.get("en") or value)
        return value

    def __repr__(self) -> str:
        return f"<Question {self.key} show={self.show_id}>"


class CaptureSource(enum.StrEnum):
    KIOSK = "kiosk"
    IMPORT = "import"


class CardCapture(Model):
    """One business card read by the machine, kept with what the visitor finally confirmed.

    Comparing ``parsed`` with ``confirmed`` field by field is the product's running
    measure of OCR accuracy (``expo-crm cards accuracy``).
    """

    __tablename__ = "card_captures"
    __table_args__ = (Index("ix_card_captures_show_hash", "show_id", "image_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    source: Mapped[CaptureSource] = mapped_column(enum_column(CaptureSource))
    #: Path of the photo relative to ``MEDIA_DIR`` (never under static files).
    image_path: Mapped[str] = mapped_column(String(300))
    #: SHA-256 of the image bytes: the idempotency key of card-folder imports.
    image_sha256: Mapped[str] = mapped_column(String(64))
    #: For imports: the file name as found in the folder.
    original_name: Mapped[str | None] = mapped_column(String(300))
    raw_text: Mapped[str] = mapped_column(Text, default="")
    #: Fields as the machine read them: name, title, company, emails, phones, website, address.
    parsed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Confidence in [0, 1] per field.
    confidences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The fields as the visitor confirmed them (None until confirmed; imports confirm as read).
    confirmed: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Seconds per OCR stage (decode, locate, ocr, parse, total).
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Set when some field was read with low confidence (imports list these for review).
    uncertain: Mapped[bool] = mapped_column(default=False)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    #: The kiosk device (or staff user running an import) that captured the card.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]

    registration = relationship("Registration")
    person = relationship("Person")

    def __repr__(self) -> str:
        return f"<CardCapture {self.id} show={self.show_id} {self.source}>"


class DuplicateStatus(enum.StrEnum):
    OPEN = "open"
    MERGED = "merged"
    DISMISSED = "dismissed"


register_labels(
    {
        DuplicateStatus.OPEN: _l("Open"),
        DuplicateStatus.MERGED: _l("Merged"),
        DuplicateStatus.DISMISSED: _l("Different people"),
    }
)


class DuplicateFlag(Model):
    """Two people who look like one (same name and company, different email), for staff."""

    __tablename__ = "visitor_duplicate_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The newer record (the one just registered).
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: The older record it resembles.
    other_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id"))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[DuplicateStatus] = mapped_column(
        enum_column(DuplicateStatus), default=DuplicateStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person = relationship("Person", foreign_keys=[person_id])
    other_person = relationship("Person", foreign_keys=[other_person_id])

    def __repr__(self) -> str:
        return f"<DuplicateFlag {self.person_id}~{self.other_person_id} {self.status}>"
