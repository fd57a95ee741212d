"""Contracts, invoices and payments: state machines, schedule, cancellation, balances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.errors import Conflict, DomainError, ValidationError
from expo_crm.exhibitors import invoicing, reports, services
from expo_crm.exhibitors.contracts import cancel_contract, cancellation_terms, sign_contract
from expo_crm.exhibitors.models import (
    INVOICE_TRANSITIONS,
    BoothStatus,
    Contract,
    ContractStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    QuoteStatus,
    transition,
)

D = Decimal
SIGNED_ON = date(2026, 3, 1)


@pytest.fixture
def contract(db, show, create_booth, create_company):
    """18 m² corner shell booth, member quoted early: 8464.50 (see test_pricing)."""
    company = create_company(is_member=True)
    # Make it neither first-time nor returning: an older edition with a cancelled contract
    # would be needed; simpler to switch the first-time discount off for this fixture.
    from .conftest import RULES

    services.save_price_rules(db, show, {**RULES, "category_percent": {"member": "5"}}, None)
    quote = services.quote_booth(db, create_booth(), company.id, None, today=SIGNED_ON)
    assert quote.total == D("8464.50")
    return sign_contract(db, quote, None, today=SIGNED_ON)


def _invoices(db, contract, kind=None):
    query = select(Invoice).where(Invoice.contract_id == contract.id).order_by(Invoice.sequence)
    if kind:
        query = query.where(Invoice.kind == kind)
    return list(db.scalars(query))


def test_signing_sells_the_booth_and_issues_the_schedule(db, contract) -> None:
    assert contract.number == "C-EXPO2026-000001"
    assert contract.status is ContractStatus.SIGNED
    assert contract.quote.status is QuoteStatus.ACCEPTED
    assert contract.booth.status is BoothStatus.SOLD
    assert contract.booth.company_id == contract.company_id
    assert contract.total == D("8464.50")
    # Deposit 30 % of 8464.50 = 2539.35 due 30 days after signing; balance 5925.15 due
    # 45 days before the show (6 Oct 2026 → 22 Aug 2026).
    deposit, balance = _invoices(db, contract)
    assert (deposit.kind, deposit.amount, deposit.due_on) == (
        InvoiceKind.DEPOSIT,
        D("2539.35"),
        date(2026, 3, 31),
    )
    assert (balance.kind, balance.amount, balance.due_on) == (
        InvoiceKind.BALANCE,
        D("5925.15"),
        date(2026, 8, 22),
    )
    assert [deposit.number, balance.number] == ["EXPO2026-000001", "EXPO2026-000002"]
    assert deposit.currency == "BRL"


def test_a_booth_cannot_be_sold_twice(db, show, contract, create_company) -> None:
    other = create_company("Late Comer Ltd")
    with pytest.raises(Conflict, match="already sold"):
        services.quote_booth(db, contract.booth, other.id, None, today=SIGNED_ON)
    with pytest.raises(Conflict, match="“Accepted”"):
        sign_contract(db, contract.quote, None, today=SIGNED_ON)
    assert db.scalar(select(func.count(Contract.id))) == 1


def test_second_quote_signed_after_the_booth_sold_is_refused(
    db, show, create_booth, create_company
) -> None:
    booth = create_booth()
    a = services.quote_booth(db, booth, create_company("A Ltd").id, None, today=SIGNED_ON)
    b = services.quote_booth(db, booth, create_company("B Ltd").id, None, today=SIGNED_ON)
    sign_contract(db, a, None, today=SIGNED_ON)
    invoices_before = db.scalar(select(func.count(Invoice.id)))
    with pytest.raises(Conflict, match="already sold"):
        sign_contract(db, b, None, today=SIGNED_ON)
    assert b.status is QuoteStatus.ISSUED
    assert db.scalar(select(func.count(Invoice.id))) == invoices_before


def test_partial_payments_then_paid_then_contract_completed(db, contract, create_user) -> None:
    finance = create_user(Role.FINANCE)
    deposit, balance = _invoices(db, contract)
    invoicing.record_payment(db, deposit, D("1000.00"), PaymentMethod.BANK_TRANSFER, finance)
    assert deposit.status is InvoiceStatus.OPEN
    assert deposit.balance == D("1539.35")
    invoicing.record_payment(db, deposit, D("1539.35"), PaymentMethod.CARD, finance)
    assert deposit.status is InvoiceStatus.PAID
    assert contract.status is ContractStatus.SIGNED
    invoicing.record_payment(db, balance, D("5925.15"), PaymentMethod.BANK_TRANSFER, finance)
    assert contract.status is ContractStatus.COMPLETED
    with pytest.raises(Conflict, match="takes no payment"):
        invoicing.record_payment(db, balance, D("1.00"), PaymentMethod.CASH, finance)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("2539.36", "larger than the balance of 2539.35"),
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("12.345", "two decimals"),
        ("abc", "not an amount"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(db, contract, amount, message) -> None:
    deposit, _balance = _invoices(db, contract)
    with pytest.raises(ValidationError, match=message):
        invoicing.record_payment(db, deposit, amount, PaymentMethod.BANK_TRANSFER, None)
    assert deposit.amount_paid == D("0.00")
    assert db.scalar(select(func.count(Payment.id))) == 0


def test_onsite_staff_take_cash_or_card_only(db, contract, create_user) -> None:
    onsite = create_user(Role.ONSITE)
    deposit, _balance = _invoices(db, contract)
    with pytest.raises(DomainError, match="cash or card"):
        invoicing.record_payment(db, deposit, D(10), PaymentMethod.BANK_TRANSFER, onsite)
    invoicing.record_payment(db, deposit, D(10), PaymentMethod.ONSITE_CARD, onsite)
    assert deposit.amount_paid == D("10.00")


def test_onsite_fee_is_invoiced_and_paid_at_once(db, show, contract, create_user) -> None:
    invoice = invoicing.onsite_charge(
        db,
        show,
        contract.company_id,
        D("350.00"),
        PaymentMethod.CASH,
        "Extra power socket",
        create_user(Role.ONSITE),
        today=date(2026, 10, 6),
    )
    assert invoice.number == "EXPO2026-000003"
    assert invoice.status is InvoiceStatus.PAID


def test_cancellation_early_keeps_ten_percent_and_refunds_the_rest(db, contract) -> None:
    deposit, balance = _invoices(db, contract)
    invoicing.record_payment(db, deposit, D("2539.35"), PaymentMethod.BANK_TRANSFER, None)
    # 1 July 2026 is 97 days before 6 October: fee 10 % of 8464.50 = 846.45;
    # paid 2539.35 → 846.45 applied to the fee, 1692.90 refunded.
    terms = cancellation_terms(db, contract, date(2026, 7, 1))
    assert (terms.days_before_show, terms.fee, terms.refund, terms.still_due) == (
        97,
        D("846.45"),
        D("1692.90"),
        D("0.00"),
    )
    cancel_contract(db, contract, None, today=date(2026, 7, 1))
    assert contract.status is ContractStatus.CANCELLED
    assert contract.cancellation_fee == D("846.45")
    assert contract.booth.status is BoothStatus.AVAILABLE
    assert contract.booth.company_id is None
    assert deposit.status is balance.status is InvoiceStatus.CANCELLED
    credit = _invoices(db, contract, InvoiceKind.CREDIT_NOTE)[0]
    assert credit.amount == D("-8464.50")
    fee = _invoices(db, contract, InvoiceKind.CANCELLATION)[0]
    assert (fee.amount, fee.status) == (D("846.45"), InvoiceStatus.PAID)
    refunds = db.scalars(select(Payment.amount).where(Payment.amount < 0)).all()
    assert refunds == [D("-1692.90")]
    assert invoicing.contract_paid(db, contract) == D("846.45")  # kept = the fee
    assert invoicing.company_balance(db, contract.company_id) == D("0.00")
    with pytest.raises(Conflict, match="cannot go from “Cancelled”"):
        cancel_contract(db, contract, None, today=date(2026, 7, 2))
    numbers = [i.sequence for i in db.scalars(select(Invoice).order_by(Invoice.sequence))]
    assert numbers == [1, 2, 3, 4]


def test_late_cancellation_owes_the_whole_price(db, contract) -> None:
    deposit, _balance = _invoices(db, contract)
    invoicing.record_payment(db, deposit, D("2539.35"), PaymentMethod.BANK_TRANSFER, None)
    # 20 September is 16 days before the show: 100 % = 8464.50, of which 5925.15 still due.
    terms = cancel_contract(db, contract, None, today=date(2026, 9, 20))
    assert (terms.fee, terms.still_due, terms.refund) == (D("8464.50"), D("5925.15"), D("0.00"))
    fee = _invoices(db, contract, InvoiceKind.CANCELLATION)[0]
    assert (fee.status, fee.balance) == (InvoiceStatus.OPEN, D("5925.15"))
    assert invoicing.company_balance(db, contract.company_id) == D("5925.15")
    # The booth can be sold again.
    assert contract.booth.status is BoothStatus.AVAILABLE


def test_invoice_state_machine(db, contract) -> None:
    deposit, _balance = _invoices(db, contract)
    invoicing.cancel_invoice(db, deposit)
    with pytest.raises(Conflict, match="cannot go from “Cancelled” to “Paid”"):
        transition(deposit, InvoiceStatus.PAID, INVOICE_TRANSITIONS)
    with pytest.raises(Conflict, match="takes no payment"):
        invoicing.record_payment(db, deposit, D(1), PaymentMethod.CASH, None)


def test_overdue_list_and_balance(db, show, contract) -> None:
    deposit, _balance = _invoices(db, contract)
    invoicing.record_payment(db, deposit, D("539.35"), PaymentMethod.BANK_TRANSFER, None)
    rows = invoicing.overdue_invoices(db, show, today=date(2026, 4, 15))
    assert [(r.number, r.days_overdue, r.balance) for r in rows] == [
        ("EXPO2026-000001", 15, D("2000.00"))
    ]
    assert invoicing.overdue_invoices(db, show, today=date(2026, 3, 31)) == []
    assert len(invoicing.overdue_invoices(db, show, today=date(2026, 9, 1))) == 2
    assert invoicing.company_balance(db, contract.company_id, show) == D("7925.15")


def test_reports_sales_performance_and_exhibitor_editions(
    db, show, contract, create_user, create_booth, create_company
) -> None:
    seller = create_user(Role.SALES)
    services.quote_booth(
        db, create_booth(), create_company("Maybe Ltd").id, seller, today=SIGNED_ON
    )
    q = services.quote_booth(
        db,
        create_booth(area_m2=D(9), open_sides=1),
        create_company("Yes Ltd").id,
        seller,
        today=SIGNED_ON,
    )
    sign_contract(db, q, seller, today=SIGNED_ON)
    row = next(r for r in reports.sales_performance(db, show) if r.user_id == seller.id)
    # 9 m² inline shell: 4500.00 − early bird 450.00 = 4050.00 (no member/first-time discount)
    assert (row.quotes, row.contracts, row.revenue, row.conversion) == (
        2,
        1,
        D("4050.00"),
        D("0.5"),
    )
    invoicing.record_payment(db, _invoices(db, contract)[0], D("100.00"), PaymentMethod.CASH, None)
    editions = {(e.show_id, e.company_id): e for e in reports.exhibitor_editions(db)}
    mine = editions[(show.id, contract.company_id)]
    assert (mine.area_m2, mine.contract_total, mine.paid) == (D(18), D("8464.50"), D("100.00"))
