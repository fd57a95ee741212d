"""The documents of the demo's booth deals: quotes, contracts, invoices and payments, as rows.

:mod:`expo_crm.demo.exhibitors` decides who books which booth when and how each deal ends
(:class:`Deal`); the functions here turn a deal into the rows the product itself would have
written (prices from the real pricing function, numbers in signing order), and
:func:`insert_all` inserts them in bulk with explicit ids so ``--scale 10`` stays fast.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from expo_crm.db import money
from expo_crm.exhibitors.models import (
    Booth,
    Contract,
    ContractStatus,
    DocumentCounter,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PriceList,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from expo_crm.exhibitors.numbering import format_number
from expo_crm.exhibitors.pricing import HUNDRED, Category, PriceRules, price_booth


@dataclass
class Ids:
    """Next free primary key per table (rows get explicit ids so they can refer to each other)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] += 1
        return value


@dataclass
class Deal:
    """One company's booking at one edition, as the exhibitors seeder decided it."""

    company: Any
    size: int  #: index into ``expo_crm.demo.exhibitors.SIZES``
    booth: dict[str, Any] | None = None
    quote_on: date | None = None
    signed_on: date | None = None
    #: How the money goes: paid, partial, late, unpaid or cancelled (see :func:`payment_rows`).
    fate: str = "paid"
    issuer: Any = None


def at(day: date, hour: int = 10) -> datetime:
    """A UTC time on a day (documents of the demo are dated at office hours)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


#: The tables whose rows get explicit ids here.
TABLES = {
    "booths": Booth,
    "price_lists": PriceList,
    "quotes": Quote,
    "quote_lines": QuoteLine,
    "contracts": Contract,
    "invoices": Invoice,
    "payments": Payment,
}


def next_id(session: Session, model: Any) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def quote_rows(
    rows: dict[str, list[dict[str, Any]]],
    ids: Ids,
    seq: dict[str, int],
    show: Any,
    rules: PriceRules,
    rules_json: dict[str, Any],
    deal: Deal,
    cats: set[Category],
    today: date,
) -> int:
    booth = deal.booth
    assert booth is not None
    assert deal.quote_on is not None
    price = price_booth(
        rules,
        booth_type=booth["booth_type"],
        area_m2=booth["area_m2"],
        open_sides=booth["open_sides"],
        categories=cats,
        quoted_on=deal.quote_on,
    )
    seq["quote"] += 1
    valid_until = deal.quote_on + timedelta(days=rules.quote_valid_days)
    if deal.signed_on is not None:
        status = QuoteStatus.ACCEPTED
    elif valid_until < today:
        status = QuoteStatus.EXPIRED if hash(deal.company.id) % 4 else QuoteStatus.WITHDRAWN
    else:
        status = QuoteStatus.ISSUED
    quote_id = ids.take("quotes")
    rows["quotes"].append(
        {
            "id": quote_id,
            "number": format_number(show, "quote", seq["quote"]),
            "show_id": show.id,
            "company_id": deal.company.id,
            "booth_id": booth["id"],
            "price_list_version": 1,
            "rules_snapshot": {
                "rules": rules_json,
                "categories": sorted(c.value for c in cats),
                "applied": [line.rule for line in price.lines],
                "booth": {
                    "code": booth["code"],
                    "area_m2": str(booth["area_m2"]),
                    "booth_type": booth["booth_type"].value,
                    "open_sides": booth["open_sides"],
                },
            },
            "currency": show.currency,
            "subtotal": price.subtotal,
            "discount_total": price.discount_total,
            "total": price.total,
            "status": status,
            "priced_on": deal.quote_on,
            "valid_until": valid_until,
            "issued_by_id": deal.issuer.id,
            "created_at": at(deal.quote_on),
        }
    )
    for position, line in enumerate(price.lines, start=1):
        rows["quote_lines"].append(
            {
                "id": ids.take("quote_lines"),
                "quote_id": quote_id,
                "position": position,
                "rule": line.rule,
                "description": line.description,
                "amount": line.amount,
            }
        )
    booth["_total"] = price.total
    return quote_id


def contract_rows(
    rows: dict[str, list[dict[str, Any]]],
    ids: Ids,
    show: Any,
    rules: PriceRules,
    deal: Deal,
    quote_id: int,
) -> int:
    booth = deal.booth
    assert booth is not None
    assert deal.signed_on is not None
    deposit_due = deal.signed_on + timedelta(days=rules.deposit_due_days)
    balance_due = max(
        show.starts_on - timedelta(days=rules.balance_due_days_before_show), deposit_due
    )
    total = booth.pop("_total")
    contract_id = ids.take("contracts")
    rows["contracts"].append(
        {
            "id": contract_id,
            "number": None,
            "show_id": show.id,
            "company_id": deal.company.id,
            "quote_id": quote_id,
            "booth_id": booth["id"],
            "currency": show.currency,
            "total": total,
            "area_m2": booth["area_m2"],
            "status": ContractStatus.SIGNED,
            "deposit_percent": rules.deposit_percent,
            "deposit_due_on": deposit_due,
            "balance_due_on": balance_due,
            "signed_at": at(deal.signed_on, 15),
            "signed_by_id": deal.issuer.id,
            "cancelled_at": None,
            "cancellation_fee": None,
            "notes": None,
        }
    )
    deposit = money(total * rules.deposit_percent / HUNDRED)
    for kind, amount, due in (
        (InvoiceKind.DEPOSIT, deposit, deposit_due),
        (InvoiceKind.BALANCE, total - deposit, balance_due),
    ):
        if amount > 0:
            rows["invoices"].append(
                {
                    "id": ids.take("invoices"),
                    "show_id": show.id,
                    "sequence": None,
                    "number": None,
                    "contract_id": contract_id,
                    "company_id": deal.company.id,
                    "kind": kind,
                    "currency": show.currency,
                    "amount": amount,
                    "amount_paid": Decimal("0.00"),
                    "issued_on": deal.signed_on,
                    "due_on": due,
                    "status": InvoiceStatus.OPEN,
                    "description": f"{kind.value.title()} — booth {booth['code']}",
                    "created_at": at(deal.signed_on, 16),
                }
            )
    return contract_id


def number_contracts_and_invoices(
    rows: dict[str, list[dict[str, Any]]],
    seq: dict[str, int],
    show: Any,
    signed: list[tuple[int, Deal]],
) -> None:
    order = {
        cid: n
        for n, (cid, _d) in enumerate(sorted(signed, key=lambda s: (s[1].signed_on, s[0])), start=1)
    }
    for contract in rows["contracts"]:
        if contract["show_id"] == show.id and contract["number"] is None:
            contract["number"] = format_number(show, "contract", order[contract["id"]])
    mine = [i for i in rows["invoices"] if i["show_id"] == show.id and i["sequence"] is None]
    mine.sort(
        key=lambda i: (
            i["issued_on"],
            order.get(i["contract_id"], 0),
            i["kind"] != InvoiceKind.DEPOSIT,
        )
    )
    for invoice in mine:
        seq["invoice"] += 1
        invoice["sequence"] = seq["invoice"]
        invoice["number"] = format_number(show, "invoice", seq["invoice"])


def payment_rows(
    rows: dict[str, list[dict[str, Any]]],
    ids: Ids,
    seq: dict[str, int],
    show: Any,
    signed: list[tuple[int, Deal]],
    today: date,
    rng: Any,
) -> None:
    by_contract: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for invoice in rows["invoices"]:
        if invoice["show_id"] == show.id and invoice["contract_id"]:
            by_contract[invoice["contract_id"]].append(invoice)
    fates = dict(signed)
    contracts = {c["id"]: c for c in rows["contracts"] if c["show_id"] == show.id}
    for contract_id, invoices in by_contract.items():
        deal = fates[contract_id]
        paid_all = True
        for invoice in sorted(invoices, key=lambda i: i["due_on"]):
            due = invoice["due_on"]
            on = due - timedelta(days=rng.randrange(-12, 20))
            on = max(on, invoice["issued_on"])
            is_balance = invoice["kind"] is InvoiceKind.BALANCE
            if on > today:
                paid_all = False
                continue
            if deal.fate in ("late", "unpaid") and (is_balance or deal.fate == "late"):
                paid_all = False
                continue
            if deal.fate == "cancelled" and is_balance:
                paid_all = False
                continue
            amount = invoice["amount"]
            if deal.fate == "partial" and (is_balance or on > today - timedelta(days=60)):
                amount = money(amount * Decimal(rng.choice(["0.25", "0.5", "0.6"])))
                paid_all = False
            _pay(
                rows,
                ids,
                invoice,
                amount,
                on,
                rng.choice([PaymentMethod.BANK_TRANSFER] * 4 + [PaymentMethod.CARD]),
            )
        if paid_all and deal.fate != "cancelled":
            contracts[contract_id]["status"] = ContractStatus.COMPLETED
        # Fees taken at the desk during past shows (extra power, furniture, badges).
        if show.ends_on < today and rng.random() < 0.12 and deal.fate != "cancelled":
            seq["invoice"] += 1
            invoice = {
                "id": ids.take("invoices"),
                "show_id": show.id,
                "sequence": seq["invoice"],
                "number": format_number(show, "invoice", seq["invoice"]),
                "contract_id": None,
                "company_id": deal.company.id,
                "kind": InvoiceKind.ONSITE,
                "currency": show.currency,
                "amount": Decimal(rng.choice(["180.00", "350.00", "95.50", "640.00"])),
                "amount_paid": Decimal("0.00"),
                "issued_on": show.starts_on,
                "due_on": show.starts_on,
                "status": InvoiceStatus.OPEN,
                "description": rng.choice(
                    ["Extra power socket", "Furniture rental", "Extra badges"]
                ),
                "created_at": at(show.starts_on, 12),
            }
            rows["invoices"].append(invoice)
            _pay(
                rows,
                ids,
                invoice,
                invoice["amount"],
                show.starts_on,
                rng.choice([PaymentMethod.ONSITE_CARD, PaymentMethod.CASH]),
            )


def _pay(
    rows: dict[str, list[dict[str, Any]]],
    ids: Ids,
    invoice: dict[str, Any],
    amount: Decimal,
    on: date,
    method: PaymentMethod,
) -> None:
    rows["payments"].append(
        {
            "id": ids.take("payments"),
            "invoice_id": invoice["id"],
            "amount": amount,
            "currency": invoice["currency"],
            "method": method,
            "received_on": on,
            "reference": f"DEMO-{invoice['number']}",
            "recorded_by_id": None,
            "created_at": at(on, 11),
        }
    )
    invoice["amount_paid"] = money(invoice["amount_paid"] + amount)
    if invoice["amount_paid"] >= invoice["amount"]:
        invoice["status"] = InvoiceStatus.PAID


def insert_all(session: Session, rows: dict[str, list[dict[str, Any]]]) -> None:
    for name, model in (
        ("booths", Booth),
        ("price_lists", PriceList),
        ("quotes", Quote),
        ("quote_lines", QuoteLine),
        ("contracts", Contract),
        ("invoices", Invoice),
        ("payments", Payment),
        ("document_counters", DocumentCounter),
    ):
        batch = rows.get(name, [])
        for start in range(0, len(batch), 5000):
            session.execute(insert(model), batch[start : start + 5000])
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  (fixed names)
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
