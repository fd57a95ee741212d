"""Contracts: signing an accepted quote (selling the booth exactly once) and cancelling.

A booth is sold exactly once, three ways over:

1. the booth row is locked (``SELECT … FOR UPDATE``; SQLite's writer lock serializes) and
   its status checked in the same transaction;
2. the status flips with a conditional ``UPDATE booths SET status='sold' WHERE id=? AND
   status != 'sold'`` whose row count must be 1;
3. a partial unique index allows one live (not cancelled) contract per booth.

Cancellation (fee from the tiers in the rules the contract was priced with):
the deposit and balance invoices are voided by one credit note; the fee is invoiced; what
was paid is applied to the fee (a ``credit`` payment) and anything above it is refunded (a
negative payment on the credit note); the booth becomes available again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.db import money, utcnow
from expo_crm.errors import Conflict, NotFound
from expo_crm.exhibitors import invoicing
from expo_crm.exhibitors.models import (
    CONTRACT_TRANSITIONS,
    QUOTE_TRANSITIONS,
    Booth,
    BoothStatus,
    Contract,
    ContractStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
    Quote,
    QuoteStatus,
    transition,
)
from expo_crm.exhibitors.numbering import next_number
from expo_crm.exhibitors.pricing import HUNDRED, cancellation_fee, cancellation_percent, parse_rules
from expo_crm.exhibitors.services import _expire_if_due, _hold_expired, lock_booth
from expo_crm.labels import label
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)


def get_contract(session: Session, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(_("No contract %(id)s.", id=contract_id))
    return contract


def sign_contract(
    session: Session,
    quote: Quote,
    user: User | None,
    today: date | None = None,
    notes: str | None = None,
) -> Contract:
    """Turn an issued quote into a signed contract, sell the booth and issue the invoices.

    Raise Conflict if the quote is not issued (or has expired) or the booth is sold or held
    for another company — also when another user sells it at the same moment.
    """
    today = today or date.today()
    quote = (
        session.scalar(
            select(Quote)
            .where(Quote.id == quote.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        or quote
    )
    _expire_if_due(quote, today)
    if quote.status is not QuoteStatus.ISSUED:
        raise Conflict(
            _(
                "Quote %(number)s has status “%(status)s”; only an issued quote can be signed.",
                number=quote.number,
                status=label(quote.status),
            )
        )
    booth = lock_booth(session, quote.booth_id)
    if booth.status is BoothStatus.SOLD:
        raise Conflict(_("Booth %(code)s is already sold.", code=booth.code))
    if (
        booth.status is BoothStatus.HELD
        and booth.company_id != quote.company_id
        and not _hold_expired(booth)
    ):
        raise Conflict(_("Booth %(code)s is held for another company.", code=booth.code))
    sold = session.execute(
        update(Booth)
        .where(Booth.id == booth.id, Booth.status != BoothStatus.SOLD)
        .values(
            status=BoothStatus.SOLD, company_id=quote.company_id, held_until=None, held_by_id=None
        )
        .execution_options(synchronize_session=False)
    )
    if sold.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Booth %(code)s is already sold.", code=booth.code))
    session.refresh(booth)

    show: Show = quote.booth.show
    rules = parse_rules(quote.rules_snapshot["rules"])
    deposit_due = today + timedelta(days=rules.deposit_due_days)
    balance_due = max(
        show.starts_on - timedelta(days=rules.balance_due_days_before_show), deposit_due
    )
    _seq, number = next_number(session, show, "contract")
    contract = Contract(
        number=number,
        show_id=show.id,
        company_id=quote.company_id,
        quote_id=quote.id,
        booth_id=booth.id,
        currency=quote.currency,
        total=quote.total,
        area_m2=booth.area_m2,
        status=ContractStatus.SIGNED,
        deposit_percent=rules.deposit_percent,
        deposit_due_on=deposit_due,
        balance_due_on=balance_due,
        signed_by_id=user.id if user else None,
        notes=notes or None,
    )
    try:
        with session.begin_nested():
            session.add(contract)
            session.flush()
    except IntegrityError:
        raise Conflict(_("Booth %(code)s is already sold.", code=booth.code)) from None
    transition(quote, QuoteStatus.ACCEPTED, QUOTE_TRANSITIONS)

    deposit = money(quote.total * rules.deposit_percent / HUNDRED)
    balance = quote.total - deposit
    if deposit > 0:
        invoicing.issue_invoice(
            session,
            show,
            company_id=quote.company_id,
            kind=InvoiceKind.DEPOSIT,
            amount=deposit,
            due_on=deposit_due,
            issued_on=today,
            contract=contract,
            description=(
                f"Deposit {rules.deposit_percent} % — booth {booth.code}, contract {number}"
            ),
        )
    if balance > 0:
        invoicing.issue_invoice(
            session,
            show,
            company_id=quote.company_id,
            kind=InvoiceKind.BALANCE,
            amount=balance,
            due_on=balance_due,
            issued_on=today,
            contract=contract,
            description=f"Balance — booth {booth.code}, contract {number}",
        )
    session.flush()
    log.info(
        "Contract %s signed: booth %s to company %s for %s %s, by %s",
        number,
        booth.code,
        quote.company_id,
        quote.total,
        quote.currency,
        user and user.email,
    )
    return contract


def _live_parts(session: Session, contract: Contract) -> list[Invoice]:
    """The contract's deposit and balance invoices that are not voided yet."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.contract_id == contract.id,
                Invoice.kind.in_(invoicing.CONTRACT_KINDS),
                Invoice.status != InvoiceStatus.CANCELLED,
            )
            .order_by(Invoice.sequence)
        )
    )


@dataclass(frozen=True)
class CancellationTerms:
    days_before_show: int
    fee_percent: Decimal
    fee: Decimal
    paid: Decimal  #: received so far on the contract's invoices
    refund: Decimal  #: paid above the fee, given back
    still_due: Decimal  #: fee not yet covered by payments


def cancellation_terms(
    session: Session, contract: Contract, today: date | None = None
) -> CancellationTerms:
    """What cancelling the contract on ``today`` would cost, shown before confirming."""
    today = today or date.today()
    rules = parse_rules(contract.quote.rules_snapshot["rules"])
    days = (contract.booth.show.starts_on - today).days
    fee = cancellation_fee(rules, contract.total, days)
    paid = money(sum((i.amount_paid for i in _live_parts(session, contract)), Decimal(0)))
    return CancellationTerms(
        days_before_show=days,
        fee_percent=cancellation_percent(rules, days),
        fee=fee,
        paid=paid,
        refund=max(paid - fee, Decimal("0.00")),
        still_due=max(fee - paid, Decimal("0.00")),
    )


def cancel_contract(
    session: Session,
    contract: Contract,
    user: User | None,
    today: date | None = None,
    refund_method: PaymentMethod = PaymentMethod.BANK_TRANSFER,
) -> CancellationTerms:
    """Cancel a contract: credit note, fee invoice, refund above the fee, booth freed.

    Raise Conflict if the contract is already cancelled.
    """
    today = today or date.today()
    transition(contract, ContractStatus.CANCELLED, CONTRACT_TRANSITIONS)
    terms = cancellation_terms(session, contract, today)
    show = contract.booth.show
    voided = _live_parts(session, contract)
    credit_note = None
    if voided:
        for invoice in voided:
            invoicing.cancel_invoice(session, invoice)
        credit_note = invoicing.issue_invoice(
            session,
            show,
            company_id=contract.company_id,
            kind=InvoiceKind.CREDIT_NOTE,
            amount=-sum((i.amount for i in voided), Decimal(0)),
            due_on=today,
            issued_on=today,
            contract=contract,
            status=InvoiceStatus.PAID,
            description="Credit note for " + ", ".join(i.number for i in voided),
        )
    if terms.fee > 0:
        fee_invoice = invoicing.issue_invoice(
            session,
            show,
            company_id=contract.company_id,
            kind=InvoiceKind.CANCELLATION,
            amount=terms.fee,
            due_on=today + timedelta(days=14),
            issued_on=today,
            contract=contract,
            description=f"Cancellation fee {terms.fee_percent} % of contract {contract.number}",
        )
        applied = min(terms.paid, terms.fee)
        if applied > 0:
            invoicing._add_payment(
                session,
                fee_invoice,
                applied,
                PaymentMethod.CREDIT,
                user,
                today,
                "applied from " + ", ".join(i.number for i in voided),
            )
    if terms.refund > 0 and credit_note is not None:
        invoicing._add_payment(
            session,
            credit_note,
            -terms.refund,
            refund_method,
            user,
            today,
            "refund on cancellation",
        )
    contract.cancelled_at = utcnow()
    contract.cancellation_fee = terms.fee
    booth = lock_booth(session, contract.booth_id)
    booth.status = BoothStatus.AVAILABLE
    booth.company_id = booth.held_by_id = booth.held_until = None
    session.flush()
    log.info(
        "Contract %s cancelled by %s: fee %s, refund %s",
        contract.number,
        user and user.email,
        terms.fee,
        terms.refund,
    )
    return terms
