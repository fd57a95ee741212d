"""Tables of the history domain: participations read from exhibitor lists, the imports that
brought them, and the matching decisions people made about them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.extensions import Model
from expo_crm.labels import register_labels


class MatchMethod(enum.StrEnum):
    """How a listed name was tied to a company of the directory."""

    LISTED = "listed"  #: the same spelling was already listed at this edition
    DECISION = "decision"  #: a person decided this spelling is that company
    DOMAIN = "domain"  #: the website's domain is the company's
    NAME = "name"  #: the same name once legal forms and spelling variants are set aside
    SIMILAR = "similar"  #: a close spelling (fuzzy similarity), sure enough to match
    NEW = "new"  #: no company was close: a new one was created


register_labels(
    {
        MatchMethod.LISTED: _l("Listed before"),
        MatchMethod.DECISION: _l("Decided by a person"),
        MatchMethod.DOMAIN: _l("Same website"),
        MatchMethod.NAME: _l("Same name"),
        MatchMethod.SIMILAR: _l("Similar name"),
        MatchMethod.NEW: _l("New company"),
    }
)


class Review(enum.StrEnum):
    """Whether a person must look at a match."""

    NONE = "none"  #: sure enough; nobody needs to look
    PENDING = "pending"  #: a close company exists; kept apart until a person decides
    SAME = "same"  #: a person said it is the close company (the records were merged)
    DIFFERENT = "different"  #: a person said it is another company


register_labels(
    {
        Review.NONE: _l("Not needed"),
        Review.PENDING: _l("To review"),
        Review.SAME: _l("Same company"),
        Review.DIFFERENT: _l("Different companies"),
    }
)


class HistoryImport(Model):
    """One exhibitor list read into an edition: which file, by whom, and what it changed."""

    __tablename__ = "history_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    #: SHA-256 of the file's bytes: the same file read again is recognised.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int]
    #: Counts of what the import did: {"matched": n, "created": n, "uncertain": n, ...}.
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    show = relationship("Show")

    def __repr__(self) -> str:
        return f"<HistoryImport {self.id} {self.filename!r}>"


class Participation(Model):
    """A company exhibited at an edition as that edition's exhibitor list says.

    One row per name as the list spells it (the same company listed twice under one spelling,
    e.g. with two booths, is one row with the areas and amounts added up). Contracts are the
    participations of editions sold in Expo CRM; a listed row of a company that also has a
    live contract at the edition stays aside (:mod:`expo_crm.history.participations` unites
    both).
    """

    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("show_id", "name_key"),
        Index("ix_participations_company_show", "company_id", "show_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    #: The company's name exactly as the list spells it.
    listed_name: Mapped[str] = mapped_column(String(300))
    #: The spelling's matching key (see :func:`expo_crm.history.matching.name_key`).
    name_key: Mapped[str] = mapped_column(String(300))
    #: ISO 3166-1 alpha-2 and website domain as the list gives them (empty when it does not).
    country: Mapped[str | None] = mapped_column(String(2))
    domain: Mapped[str | None] = mapped_column(String(253))
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: What the company paid for the edition, in the edition's currency (empty if not listed).
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    #: Booth codes as listed, comma-separated.
    booth: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100))
    match: Mapped[MatchMethod] = mapped_column(enum_column(MatchMethod))
    #: Similarity (0–100) to ``candidate`` for similar names; empty otherwise.
    score: Mapped[float | None]
    review: Mapped[Review] = mapped_column(enum_column(Review), default=Review.NONE, index=True)
    #: The close company a person must compare with (pending) or compared with (decided).
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    import_id: Mapped[int | None] = mapped_column(ForeignKey("history_imports.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    show = relationship("Show")
    company = relationship("Company", foreign_keys=[company_id])
    candidate = relationship("Company", foreign_keys=[candidate_id])

    def __repr__(self) -> str:
        return f"<Participation {self.listed_name!r} show={self.show_id} co={self.company_id}>"


class MatchDecision(Model):
    """A person's verdict that a spelling is, or is not, a company: every later import obeys it."""

    __tablename__ = "history_match_decisions"
    __table_args__ = (UniqueConstraint("name_key", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    #: The spelling as the person saw it.
    listed_name: Mapped[str] = mapped_column(String(300))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    #: True: this spelling is the company; False: it is another company.
    same: Mapped[bool]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<MatchDecision {self.name_key!r} {'=' if self.same else '≠'} {self.company_id}>"
