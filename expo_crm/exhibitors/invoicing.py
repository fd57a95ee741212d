"""Invoices and payments: gapless numbers per edition, partial payments, balances, overdue.

Amounts are Decimal in the edition's currency, rounded to cents half up (``money()``).
An invoice's balance is ``amount − amount_paid``; a payment may not exceed it, and an
invoice whose balance reaches zero becomes paid. Refunds are negative payments.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.db import money
from expo_crm.errors import Conflict, DomainError, NotFound, ValidationError
from expo_crm.exhibitors.models import (
    CONTRACT_TRANSITIONS,
    INVOICE_TRANSITIONS,
    ONSITE_METHODS,
    Contract,
    ContractStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    transition,
)
from expo_crm.exhibitors.numbering import next_number
from expo_crm.labels import label
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)

#: Invoices that make up a contract's price (as opposed to fees and credit notes).
CONTRACT_KINDS = (InvoiceKind.DEPOSIT, InvoiceKind.BALANCE)


def get_invoice(session: Session, invoice_id: int) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(_("No invoice %(id)s.", id=invoice_id))
    return invoice


def issue_invoice(
    session: Session,
    show: Show,
    *,
    company_id: int,
    kind: InvoiceKind,
    amount: Decimal,
    due_on: date,
    issued_on: date,
    contract: Contract | None = None,
    description: str = "",
    status: InvoiceStatus = InvoiceStatus.OPEN,
) -> Invoice:
    """Issue an invoice with the edition's next number (gapless under a row lock)."""
    sequence, number = next_number(session, show, "invoice")
    invoice = Invoice(
        show_id=show.id,
        sequence=sequence,
        number=number,
        contract_id=contract.id if contract else None,
        company_id=company_id,
        kind=kind,
        currency=show.currency,
        amount=money(amount),
        amount_paid=Decimal("0.00"),
        issued_on=issued_on,
        due_on=due_on,
        status=status,
        description=description,
    )
    session.add(invoice)
    session.flush()
    log.info("Invoice %s (%s) issued: %s %s", number, kind.value, invoice.amount, show.currency)
    return invoice


def parse_amount(value: Any) -> Decimal:
    """Read an amount typed by a user; raise ValidationError if it is not a number of cents."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(
            "amount", _("%(value)s is not an amount.", value=repr(value))
        ) from None
    if not amount.is_finite():
        raise ValidationError("amount", _("%(value)s is not an amount.", value=repr(value)))
    if amount != money(amount):
        raise ValidationError("amount", _("Amounts have at most two decimals (cents)."))
    return amount


def _lock_invoice(session: Session, invoice_id: int) -> Invoice:
    invoice = session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound(_("No invoice %(id)s.", id=invoice_id))
    return invoice


def record_payment(
    session: Session,
    invoice: Invoice,
    amount: Decimal,
    method: PaymentMethod,
    user: User | None,
    received_on: date | None = None,
    reference: str | None = None,
) -> Payment:
    """Record money received against an open invoice; the invoice is paid when settled.

    Raise ValidationError for a non-positive amount or one above the balance, Conflict if the
    invoice is not open, DomainError if on-site staff use a method other than cash or card.
    """
    amount = parse_amount(amount)
    if user is not None and user.role is Role.ONSITE and method not in ONSITE_METHODS:
        raise DomainError(_("On-site staff may take cash or card payments only."))
    if method is PaymentMethod.CREDIT:
        raise ValidationError(
            "method", _("Credits are applied by cancellations, not recorded by hand.")
        )
    invoice = _lock_invoice(session, invoice.id)
    if invoice.status is not InvoiceStatus.OPEN:
        raise Conflict(
            _(
                "Invoice %(number)s has status “%(status)s”; it takes no payment.",
                number=invoice.number,
                status=label(invoice.status),
            )
        )
    if amount <= 0:
        raise ValidationError("amount", _("A payment must be greater than zero."))
    if amount > invoice.balance:
        raise ValidationError(
            "amount",
            _(
                "The payment of %(amount)s %(currency)s is larger than the balance of "
                "%(balance)s %(currency)s on invoice %(number)s.",
                amount=amount,
                balance=invoice.balance,
                currency=invoice.currency,
                number=invoice.number,
            ),
        )
    payment = _add_payment(session, invoice, amount, method, user, received_on, reference)
    log.info(
        "Payment of %s %s on invoice %s recorded by %s",
        amount,
        invoice.currency,
        invoice.number,
        user and user.email,
    )
    if invoice.contract_id:
        complete_if_paid(session, invoice.contract)  # type: ignore[arg-type]
    return payment


def _add_payment(
    session: Session,
    invoice: Invoice,
    amount: Decimal,
    method: PaymentMethod,
    user: User | None,
    received_on: date | None,
    reference: str | None,
) -> Payment:
    payment = Payment(
        invoice_id=invoice.id,
        amount=money(amount),
        currency=invoice.currency,
        method=method,
        received_on=received_on or date.today(),
        reference=reference or None,
        recorded_by_id=user.id if user else None,
    )
    session.add(payment)
    invoice.amount_paid = money(invoice.amount_paid + amount)
    if invoice.status is InvoiceStatus.OPEN and invoice.amount_paid >= invoice.amount:
        transition(invoice, InvoiceStatus.PAID, INVOICE_TRANSITIONS)
    session.flush()
    return payment


def complete_if_paid(session: Session, contract: Contract) -> None:
    """Mark a signed contract completed once all its invoices are paid."""
    if contract.status is not ContractStatus.SIGNED:
        return
    parts = session.scalars(
        select(Invoice).where(Invoice.contract_id == contract.id, Invoice.kind.in_(CONTRACT_KINDS))
    ).all()
    if parts and all(i.status is InvoiceStatus.PAID for i in parts):
        transition(contract, ContractStatus.COMPLETED, CONTRACT_TRANSITIONS)
        session.flush()
        log.info("Contract %s completed (fully paid)", contract.number)


def cancel_invoice(session: Session, invoice: Invoice) -> None:
    transition(invoice, InvoiceStatus.CANCELLED, INVOICE_TRANSITIONS)
    session.flush()


def onsite_charge(
    session: Session,
    show: Show,
    company_id: int,
    amount: Decimal,
    method: PaymentMethod,
    description: str,
    user: User | None,
    today: date | None = None,
) -> Invoice:
    """Invoice a fee taken at the show desk and record its payment at once."""
    amount = parse_amount(amount)
    if amount <= 0:
        raise ValidationError("amount", _("A fee must be greater than zero."))
    if not description.strip():
        raise ValidationError("description", _("Say what the fee is for."))
    today = today or date.today()
    invoice = issue_invoice(
        session,
        show,
        company_id=company_id,
        kind=InvoiceKind.ONSITE,
        amount=amount,
        due_on=today,
        issued_on=today,
        description=description.strip(),
    )
    record_payment(session, invoice, amount, method, user, today, "on site")
    return invoice


# -- lists ---------------------------------------------------------------------------------


def invoice_query(
    show: Show,
    *,
    status: InvoiceStatus | None = None,
    company_id: int | None = None,
    kind: InvoiceKind | None = None,
) -> Select[tuple[Invoice]]:
    query = select(Invoice).where(Invoice.show_id == show.id)
    if status:
        query = query.where(Invoice.status == status)
    if company_id:
        query = query.where(Invoice.company_id == company_id)
    if kind:
        query = query.where(Invoice.kind == kind)
    return query.order_by(Invoice.sequence.desc())


@dataclass(frozen=True)
class OverdueRow:
    invoice_id: int
    number: str
    company_id: int
    company_name: str
    kind: InvoiceKind
    due_on: date
    days_overdue: int
    amount: Decimal
    balance: Decimal
    currency: str


def overdue_invoices(session: Session, show: Show, today: date | None = None) -> list[OverdueRow]:
    """Open invoices past their due date, most overdue first, with days overdue and balance."""
    from expo_crm.directory.models import Company

    today = today or date.today()
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.company_id,
            Company.name,
            Invoice.kind,
            Invoice.due_on,
            Invoice.amount,
            Invoice.amount_paid,
            Invoice.currency,
        )
        .join(Company, Company.id == Invoice.company_id)
        .where(
            Invoice.show_id == show.id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.due_on < today,
        )
        .order_by(Invoice.due_on, Invoice.sequence)
    )
    return [
        OverdueRow(
            invoice_id=r[0],
            number=r[1],
            company_id=r[2],
            company_name=r[3],
            kind=r[4],
            due_on=r[5],
            days_overdue=(today - r[5]).days,
            amount=r[6],
            balance=r[6] - r[7],
            currency=r[8],
        )
        for r in rows
    ]


def company_balance(session: Session, company_id: int, show: Show | None = None) -> Decimal:
    """What the company still owes on open invoices (of one edition, or of all)."""
    query = select(func.coalesce(func.sum(Invoice.amount - Invoice.amount_paid), 0)).where(
        Invoice.company_id == company_id, Invoice.status == InvoiceStatus.OPEN
    )
    if show is not None:
        query = query.where(Invoice.show_id == show.id)
    return money(session.scalar(query) or 0)


def company_invoices(session: Session, company_id: int) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .where(Invoice.company_id == company_id)
            .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
        )
    )


def contract_paid(session: Session, contract: Contract) -> Decimal:
    """Money actually received for a contract, net of refunds (credits are not new money)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Invoice.contract_id == contract.id, Payment.method != PaymentMethod.CREDIT)
    )
    return money(total or 0)
