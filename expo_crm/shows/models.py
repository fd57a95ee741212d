"""Show editions: one row per edition of the organizer's show series."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from expo_crm.db import utcnow
from expo_crm.extensions import Model


class Show(Model):
    __tablename__ = "shows"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short unique code used on the command line and in URLs, e.g. ``EXPO2026``.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    venue: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    #: ISO 3166-1 alpha-2 country of the venue.
    country: Mapped[str] = mapped_column(String(2))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: ISO 4217 code; every amount of this edition is in this currency.
    currency: Mapped[str] = mapped_column(String(3))
    #: Region assumed for phone numbers written without a country code (ISO alpha-2).
    phone_region: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the edition was archived (created by mistake, or kept out of the figures):
    #: it keeps its data but leaves the lists, pickers and KPIs until it is restored.
    archived_at: Mapped[datetime | None]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def days(self) -> list[date]:
        return [
            self.starts_on + timedelta(days=i)
            for i in range((self.ends_on - self.starts_on).days + 1)
        ]

    def __repr__(self) -> str:
        return f"<Show {self.code}>"
