"""Booths, price rules, quotes, contracts, invoices and payments of an edition."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_babel.speaklater import LazyString
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo_crm.db import enum_column, utcnow
from expo_crm.errors import Conflict
from expo_crm.extensions import Model
from expo_crm.labels import label, register_labels

# Labels whose English word is also a column heading ("Signed" = signed on, "Balance" =
# amount still due) carry a context (pgettext inside a LazyString, which extraction finds),
# so Chinese can tell the state from the heading.

#: What a document is called in messages, by model class name.
DOCUMENT_NAMES = {"Quote": _l("Quote"), "Contract": _l("Contract"), "Invoice": _l("Invoice")}


def transition(obj: Any, new: enum.Enum, allowed: dict[Any, set[Any]]) -> None:
    """Move ``obj.status`` to ``new`` if the state machine allows it; raise Conflict."""
    if new not in allowed.get(obj.status, set()):
        name = type(obj).__name__
        raise Conflict(
            _(
                "%(document)s %(number)s cannot go from “%(old)s” to “%(new)s”.",
                document=DOCUMENT_NAMES.get(name, name),
                number=getattr(obj, "number", obj.id),
                old=label(obj.status),
                new=label(new),
            )
        )
    obj.status = new


class BoothType(enum.StrEnum):
    RAW_SPACE = "raw_space"
    SHELL_SCHEME = "shell_scheme"


register_labels({BoothType.RAW_SPACE: _l("Raw space"), BoothType.SHELL_SCHEME: _l("Shell scheme")})


class BoothStatus(enum.StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    SOLD = "sold"


register_labels(
    {
        BoothStatus.AVAILABLE: _l("Available"),
        BoothStatus.HELD: _l("Held"),
        BoothStatus.SOLD: _l("Sold"),
    }
)


#: Width and depth, in metres, of a booth whose size was not given.
DEFAULT_SIDE_M = Decimal(3)


class Booth(Model):
    __tablename__ = "booths"
    __table_args__ = (
        UniqueConstraint("show_id", "code"),
        CheckConstraint("area_m2 > 0", name="area_positive"),
        CheckConstraint("open_sides BETWEEN 1 AND 4", name="open_sides_range"),
        CheckConstraint("width > 0 AND depth > 0", name="size_positive"),
        CheckConstraint("(x IS NULL) = (y IS NULL)", name="position_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    hall: Mapped[str] = mapped_column(String(20))
    #: Unique per edition, e.g. ``A-101``.
    code: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    booth_type: Mapped[BoothType] = mapped_column(enum_column(BoothType))
    #: 1 = in a row, 2 = corner, 3 = peninsula, 4 = island.
    open_sides: Mapped[int] = mapped_column(default=1)
    status: Mapped[BoothStatus] = mapped_column(
        enum_column(BoothStatus), default=BoothStatus.AVAILABLE, index=True
    )
    #: Floor-plan position and size in metres from the hall's top-left corner. A booth
    #: whose position was never given (x and y empty) is not on the plan yet; the placed
    #: booths of a hall may touch but not overlap (checked by the booth services).
    x: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    y: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    width: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=DEFAULT_SIDE_M)
    depth: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=DEFAULT_SIDE_M)
    #: The company the booth is held for or sold to.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    held_until: Mapped[datetime | None]
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    show = relationship("Show")
    company = relationship("Company")

    @property
    def is_placed(self) -> bool:
        """Tell whether the booth has a position on the floor plan."""
        return self.x is not None and self.y is not None

    def __repr__(self) -> str:
        return f"<Booth {self.code} {self.status}>"


class PriceList(Model):
    """The price rules of one edition: data the organizer edits, not code.

    ``rules`` holds the rule values as JSON; ``version`` grows with every edit, and a
    quote records the version and a copy of the rules it was priced with.
    """

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    show = relationship("Show")

    def __repr__(self) -> str:
        return f"<PriceList show={self.show_id} v{self.version}>"


class QuoteStatus(enum.StrEnum):
    ISSUED = "issued"
    ACCEPTED = "accepted"  #: turned into a contract
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


register_labels(
    {
        QuoteStatus.ISSUED: LazyString(lambda: pgettext("status", "Issued")),
        QuoteStatus.ACCEPTED: _l("Accepted"),
        QuoteStatus.EXPIRED: _l("Expired"),
        QuoteStatus.WITHDRAWN: _l("Withdrawn"),
    }
)


QUOTE_TRANSITIONS = {
    QuoteStatus.ISSUED: {QuoteStatus.ACCEPTED, QuoteStatus.EXPIRED, QuoteStatus.WITHDRAWN},
}


class Quote(Model):
    __tablename__ = "quotes"
    __table_args__ = (
        Index("ix_quotes_company_booth", "company_id", "booth_id", "price_list_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id"))
    price_list_version: Mapped[int]
    #: The rules as they stood when the quote was priced, and which ones applied.
    rules_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal]
    discount_total: Mapped[Decimal]
    total: Mapped[Decimal]
    status: Mapped[QuoteStatus] = mapped_column(
        enum_column(QuoteStatus), default=QuoteStatus.ISSUED
    )
    #: The date pricing was computed for (early-bird applies relative to it).
    priced_on: Mapped[date]
    valid_until: Mapped[date]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )
    booth = relationship("Booth")
    company = relationship("Company")
    issued_by = relationship("User")

    def __repr__(self) -> str:
        return f"<Quote {self.number} {self.total} {self.currency}>"

    @property
    def booth_type_quoted(self) -> BoothType | None:
        """The booth type the quote was priced for (from the snapshot)."""
        value = (self.rules_snapshot or {}).get("booth", {}).get("booth_type")
        return BoothType(value) if value in set(BoothType) else None

    @property
    def categories_quoted(self) -> list[Any]:
        """The discount categories the company had when quoted (``pricing.Category``)."""
        from expo_crm.exhibitors.pricing import Category

        values = (self.rules_snapshot or {}).get("categories", [])
        return [Category(v) if v in set(Category) else v for v in values]


class QuoteLine(Model):
    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), index=True)
    position: Mapped[int]
    #: Machine name of the rule behind the line (``base``, ``open_sides``, ``early_bird``…).
    rule: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    #: Positive for charges, negative for discounts.
    amount: Mapped[Decimal]

    quote: Mapped[Quote] = relationship(back_populates="lines")


class ContractStatus(enum.StrEnum):
    SIGNED = "signed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"  #: fully paid


register_labels(
    {
        ContractStatus.SIGNED: LazyString(lambda: pgettext("status", "Signed")),
        ContractStatus.CANCELLED: _l("Cancelled"),
        ContractStatus.COMPLETED: _l("Completed"),
    }
)


CONTRACT_TRANSITIONS = {
    ContractStatus.SIGNED: {ContractStatus.COMPLETED, ContractStatus.CANCELLED},
    # A fully paid booking can still be cancelled before the show (fee kept, rest refunded).
    ContractStatus.COMPLETED: {ContractStatus.CANCELLED},
}


class Contract(Model):
    __tablename__ = "contracts"
    __table_args__ = (
        # The database's own guarantee that a booth is never sold twice: at most one
        # live (not cancelled) contract per booth, whatever the application does.
        Index(
            "uq_contracts_live_booth",
            "booth_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), unique=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id"))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal]
    #: Booth area at signing, kept so upgrades and m² sold survive booth edits.
    area_m2: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus), default=ContractStatus.SIGNED, index=True
    )
    deposit_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    deposit_due_on: Mapped[date]
    balance_due_on: Mapped[date]
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    cancelled_at: Mapped[datetime | None]
    cancellation_fee: Mapped[Decimal | None]
    notes: Mapped[str | None] = mapped_column(Text)

    quote = relationship("Quote")
    booth = relationship("Booth")
    company = relationship("Company")
    signed_by = relationship("User")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="contract")

    def __repr__(self) -> str:
        return f"<Contract {self.number} {self.status}>"


class InvoiceKind(enum.StrEnum):
    DEPOSIT = "deposit"
    BALANCE = "balance"
    CANCELLATION = "cancellation"  #: the fee kept on cancellation
    CREDIT_NOTE = "credit_note"  #: negative: cancels what was invoiced
    ONSITE = "onsite"  #: fees taken at the show


register_labels(
    {
        InvoiceKind.DEPOSIT: LazyString(lambda: pgettext("invoice kind", "Deposit")),
        InvoiceKind.BALANCE: LazyString(lambda: pgettext("invoice kind", "Balance")),
        InvoiceKind.CANCELLATION: _l("Cancellation fee"),
        InvoiceKind.CREDIT_NOTE: _l("Credit note"),
        InvoiceKind.ONSITE: _l("On-site fee"),
    }
)


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"  #: voided by a credit note (contract cancelled)


register_labels(
    {
        InvoiceStatus.OPEN: _l("Open"),
        InvoiceStatus.PAID: _l("Paid"),
        InvoiceStatus.CANCELLED: _l("Cancelled"),
    }
)


INVOICE_TRANSITIONS = {
    InvoiceStatus.OPEN: {InvoiceStatus.PAID, InvoiceStatus.CANCELLED},
    InvoiceStatus.PAID: {InvoiceStatus.CANCELLED},
}


class Invoice(Model):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("show_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), index=True)
    #: Gapless per edition: 1, 2, 3… ; ``number`` is its printed form.
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(30), unique=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind))
    currency: Mapped[str] = mapped_column(String(3))
    #: Negative for credit notes.
    amount: Mapped[Decimal]
    #: Sum of the payments on this invoice (kept in step by ``record_payment``).
    amount_paid: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    issued_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column(InvoiceStatus), default=InvoiceStatus.OPEN, index=True
    )
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[Contract | None] = relationship(back_populates="invoices")
    company = relationship("Company")
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice")

    @property
    def balance(self) -> Decimal:
        return self.amount - self.amount_paid

    def __repr__(self) -> str:
        return f"<Invoice {self.number} {self.amount} {self.status}>"


class DocumentCounter(Model):
    """The last number used per edition and document kind (quotes, contracts, invoices).

    The row is locked while a number is taken, so numbers have no gaps and no duplicates
    even when several users issue documents at once.
    """

    __tablename__ = "document_counters"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<DocumentCounter {self.show_id} {self.kind} {self.last}>"


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CASH = "cash"
    ONSITE_CARD = "onsite_card"
    #: Not new money: payments on cancelled invoices applied to the cancellation fee.
    CREDIT = "credit"


register_labels(
    {
        PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
        PaymentMethod.CARD: _l("Card"),
        PaymentMethod.CASH: _l("Cash (on site)"),
        PaymentMethod.ONSITE_CARD: _l("Card terminal (on site)"),
        PaymentMethod.CREDIT: _l("Credit from cancelled invoices"),
    }
)


#: What on-site staff may take at the desk.
ONSITE_METHODS = (PaymentMethod.CASH, PaymentMethod.ONSITE_CARD)


class Payment(Model):
    """Money received (positive) or refunded (negative) against an invoice."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    received_on: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    def __repr__(self) -> str:
        return f"<Payment {self.amount} on {self.invoice_id}>"
