"""Companies and people: one table each, whatever role they play at the show."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels


class Activity(enum.StrEnum):
    """What a company mainly does; manufacturers and distributors are likely exhibitors."""

    MANUFACTURER = "manufacturer"
    DISTRIBUTOR = "distributor"
    SERVICE = "service"
    RETAIL = "retail"
    ASSOCIATION = "association"
    OTHER = "other"


register_labels(
    {
        Activity.MANUFACTURER: _l("Manufacturer"),
        Activity.DISTRIBUTOR: _l("Distributor"),
        Activity.SERVICE: _l("Services"),
        Activity.RETAIL: _l("Retail"),
        Activity.ASSOCIATION: _l("Association"),
        Activity.OTHER: _l("Other"),
    }
)


class Company(Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: Lower-case name without accents, punctuation or legal suffixes: the dedupe key.
    normalized_name: Mapped[str] = mapped_column(String(300), index=True)
    #: Web/email domain without ``www.``, e.g. ``acme.com``; a strong dedupe key.
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(100), index=True)
    activity: Mapped[Activity | None] = mapped_column(enum_column(Activity))
    #: ISO 3166-1 alpha-2.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    #: Number of employees where known (company size for segments).
    employees: Mapped[int | None]
    #: Member of the organizing trade association (a price category).
    is_member: Mapped[bool] = mapped_column(default=False)
    #: Set when this record was merged into another; merged records are kept for history.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    people: Mapped[list[Person]] = relationship(
        back_populates="company", foreign_keys="Person.company_id"
    )

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


class Person(Model):
    __tablename__ = "people"
    __table_args__ = (Index("ix_people_name", "last_name", "first_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    #: The name as the person writes it (``王伟``, ``Dr. Anna Müller``): printed on badges.
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    #: Normalized (lower-case) primary email; unique so concurrent kiosks cannot duplicate a person.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: Primary phone in E.164 (``+5511999999999``).
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    #: Further emails and phones read from cards: {"emails": [...], "phones": [...]}.
    other_contacts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(20))
    #: Contact person for the company's booth bookings.
    is_booking_contact: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company | None] = relationship(
        back_populates="people", foreign_keys=[company_id]
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.full_name!r}>"


class ChangeRecord(Model):
    """Who changed what on a company or person: the edit history."""

    __tablename__ = "change_records"
    __table_args__ = (Index("ix_change_records_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``company`` or ``person``.
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: ``created``, ``updated`` or ``merged``.
    action: Mapped[str] = mapped_column(String(20))
    #: {field: [old, new]} for updates; {"merged_from": id} for merges.
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<ChangeRecord {self.entity} {self.entity_id} {self.action}>"
