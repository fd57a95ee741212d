"""/api/v1 endpoints of booth sales: booths, price rules, quotes, contracts, invoices, payments.

Each handler calls the same service as the page; amounts are decimal strings in the
edition's currency.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from expo_crm.api import endpoint
from expo_crm.api.paging import PageOut, PageQuery, paged
from expo_crm.auth.roles import Role
from expo_crm.errors import NotFound
from expo_crm.exhibitors import invoicing, services
from expo_crm.exhibitors.contracts import cancel_contract, get_contract, sign_contract
from expo_crm.exhibitors.models import (
    DEFAULT_SIDE_M,
    BoothStatus,
    BoothType,
    ContractStatus,
    InvoiceKind,
    InvoiceStatus,
    PaymentMethod,
    QuoteStatus,
)
from expo_crm.exhibitors.pricing import PriceRules
from expo_crm.extensions import db
from expo_crm.shows.models import Show

SALES = (Role.SALES,)
BACK_OFFICE = (Role.SALES, Role.FINANCE)
READERS = (Role.SALES, Role.FINANCE, Role.ONSITE)
CASHIERS = (Role.FINANCE, Role.ONSITE)


def _show(code: str | None) -> Show:
    from expo_crm.shows.services import current_show, get_show

    show = get_show(db.session, code) if code else current_show(db.session)
    if show is None:
        raise NotFound(_("No show edition is set up yet."))
    return show


# -- schemas ---------------------------------------------------------------------------------


class ShowQuery(BaseModel):
    show: str | None = Field(default=None, description="Edition code; the current one if empty")


class BoothQuery(ShowQuery):
    hall: str | None = None
    status: BoothStatus | None = None


class BoothIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    show: str | None = Field(default=None, description="Edition code; the current one if empty")
    hall: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=1, max_length=20)
    area_m2: Decimal
    booth_type: BoothType
    open_sides: int = 1
    x: Decimal | None = Field(
        default=None, description="Metres from the hall's left; with y, or neither (not placed)"
    )
    y: Decimal | None = Field(
        default=None, description="Metres from the hall's top; with x, or neither (not placed)"
    )
    width: Decimal = DEFAULT_SIDE_M
    depth: Decimal = DEFAULT_SIDE_M


class BoothOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    show_id: int
    hall: str
    code: str
    area_m2: Decimal
    booth_type: BoothType
    open_sides: int
    status: BoothStatus
    company_id: int | None
    held_until: datetime | None
    x: Decimal | None = Field(description="Empty while the booth is not on the floor plan")
    y: Decimal | None = Field(description="Empty while the booth is not on the floor plan")
    width: Decimal
    depth: Decimal


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: int
    days: int = Field(default=services.HOLD_DAYS, ge=1, le=60)


class PriceRulesOut(BaseModel):
    show: str
    version: int
    rules: PriceRules


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    booth_id: int
    company_id: int


class QuoteLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    rule: str
    description: str
    amount: Decimal


class QuoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    show_id: int
    company_id: int
    booth_id: int
    price_list_version: int
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    status: QuoteStatus
    priced_on: date
    valid_until: date
    issued_by_id: int | None
    lines: list[QuoteLineOut]
    rules_snapshot: dict


class QuoteQuery(BaseModel):
    company_id: int


class ContractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_id: int
    notes: str | None = Field(default=None, max_length=2000)


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    show_id: int
    company_id: int
    quote_id: int
    booth_id: int
    currency: str
    total: Decimal
    area_m2: Decimal
    status: ContractStatus
    deposit_percent: Decimal
    deposit_due_on: date
    balance_due_on: date
    signed_at: datetime
    cancelled_at: datetime | None
    cancellation_fee: Decimal | None


class CancellationOut(BaseModel):
    contract: ContractOut
    days_before_show: int
    fee_percent: Decimal
    fee: Decimal
    paid: Decimal
    refund: Decimal
    still_due: Decimal


class InvoiceQuery(ShowQuery, PageQuery):
    status: InvoiceStatus | None = None
    company_id: int | None = None
    kind: InvoiceKind | None = None
    per_page: int = Field(default=100, ge=1, le=500)


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    show_id: int
    contract_id: int | None
    company_id: int
    kind: InvoiceKind
    currency: str
    amount: Decimal
    amount_paid: Decimal
    balance: Decimal
    issued_on: date
    due_on: date
    status: InvoiceStatus
    description: str


class InvoiceList(PageOut):
    items: list[InvoiceOut]


class OverdueOut(BaseModel):
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


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(description="In the invoice's currency, at most two decimals")
    method: PaymentMethod
    received_on: date | None = None
    reference: str | None = Field(default=None, max_length=100)


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    invoice_id: int
    amount: Decimal
    currency: str
    method: PaymentMethod
    received_on: date
    reference: str | None


# -- booths ----------------------------------------------------------------------------------


@endpoint(
    "/booths",
    allow=READERS,
    summary="An edition's booths",
    tag="booths",
    query=BoothQuery,
    response=[BoothOut],
)
def list_booths(query: BoothQuery) -> list[BoothOut]:
    booths = services.list_booths(
        db.session, _show(query.show), hall=query.hall, status=query.status
    )
    return [BoothOut.model_validate(b) for b in booths]


@endpoint(
    "/booths",
    method="POST",
    allow=SALES,
    summary="Add a booth (422 if it overlaps another booth of its hall)",
    tag="booths",
    body=BoothIn,
    response=BoothOut,
    status=201,
)
def create_booth(body: BoothIn) -> BoothOut:
    fields = body.model_dump(exclude={"show"})
    booth = services.create_booth(db.session, _show(body.show), current_user, **fields)
    db.session.commit()
    return BoothOut.model_validate(booth)


@endpoint(
    "/booths/<int:booth_id>", allow=READERS, summary="One booth", tag="booths", response=BoothOut
)
def get_booth(booth_id: int) -> BoothOut:
    return BoothOut.model_validate(services.get_booth(db.session, booth_id))


@endpoint(
    "/booths/<int:booth_id>/hold",
    method="POST",
    allow=SALES,
    summary="Hold a booth for a company",
    tag="booths",
    body=HoldIn,
    response=BoothOut,
)
def hold_booth(booth_id: int, body: HoldIn) -> BoothOut:
    booth = services.hold_booth(
        db.session,
        services.get_booth(db.session, booth_id),
        body.company_id,
        current_user,
        body.days,
    )
    db.session.commit()
    return BoothOut.model_validate(booth)


@endpoint(
    "/booths/<int:booth_id>/release",
    method="POST",
    allow=SALES,
    summary="Release a held booth",
    tag="booths",
    response=BoothOut,
)
def release_booth(booth_id: int) -> BoothOut:
    booth = services.release_booth(
        db.session, services.get_booth(db.session, booth_id), current_user
    )
    db.session.commit()
    return BoothOut.model_validate(booth)


# -- price rules -----------------------------------------------------------------------------


@endpoint(
    "/price-rules/<show_code>",
    allow=BACK_OFFICE,
    summary="An edition's price rules",
    tag="price rules",
    response=PriceRulesOut,
)
def get_price_rules(show_code: str) -> PriceRulesOut:
    show = _show(show_code)
    plist = services.price_list(db.session, show)
    db.session.commit()
    return PriceRulesOut(show=show.code, version=plist.version, rules=PriceRules(**plist.rules))


@endpoint(
    "/price-rules/<show_code>",
    method="PUT",
    allow=SALES,
    summary="Replace an edition's price rules (a change makes a new version)",
    tag="price rules",
    body=PriceRules,
    response=PriceRulesOut,
)
def put_price_rules(show_code: str, body: PriceRules) -> PriceRulesOut:
    show = _show(show_code)
    plist = services.save_price_rules(db.session, show, body.as_json(), current_user)
    db.session.commit()
    return PriceRulesOut(show=show.code, version=plist.version, rules=PriceRules(**plist.rules))


# -- quotes and contracts --------------------------------------------------------------------


@endpoint(
    "/quotes",
    method="POST",
    allow=SALES,
    summary="Quote a booth to a company (the same valid quote is returned if asked again)",
    tag="quotes",
    body=QuoteIn,
    response=QuoteOut,
    status=201,
)
def create_quote(body: QuoteIn) -> QuoteOut:
    booth = services.get_booth(db.session, body.booth_id)
    quote = services.quote_booth(db.session, booth, body.company_id, current_user)
    db.session.commit()
    return QuoteOut.model_validate(quote)


@endpoint(
    "/quotes",
    allow=BACK_OFFICE,
    summary="Every quote a company was given",
    tag="quotes",
    query=QuoteQuery,
    response=[QuoteOut],
)
def list_quotes(query: QuoteQuery) -> list[QuoteOut]:
    return [
        QuoteOut.model_validate(q) for q in services.company_quotes(db.session, query.company_id)
    ]


@endpoint(
    "/quotes/<int:quote_id>",
    allow=BACK_OFFICE,
    summary="One quote",
    tag="quotes",
    response=QuoteOut,
)
def get_quote(quote_id: int) -> QuoteOut:
    return QuoteOut.model_validate(services.get_quote(db.session, quote_id))


@endpoint(
    "/contracts",
    method="POST",
    allow=SALES,
    summary="Sign a contract from an issued quote (sells the booth)",
    tag="contracts",
    body=ContractIn,
    response=ContractOut,
    status=201,
)
def create_contract(body: ContractIn) -> ContractOut:
    quote = services.get_quote(db.session, body.quote_id)
    contract = sign_contract(db.session, quote, current_user, notes=body.notes)
    db.session.commit()
    return ContractOut.model_validate(contract)


@endpoint(
    "/contracts/<int:contract_id>",
    allow=BACK_OFFICE,
    summary="One contract",
    tag="contracts",
    response=ContractOut,
)
def get_contract_api(contract_id: int) -> ContractOut:
    return ContractOut.model_validate(get_contract(db.session, contract_id))


@endpoint(
    "/contracts/<int:contract_id>/cancel",
    method="POST",
    allow=BACK_OFFICE,
    summary="Cancel a contract: credit note, fee by date, refund above the fee",
    tag="contracts",
    response=CancellationOut,
)
def cancel_contract_api(contract_id: int) -> CancellationOut:
    contract = get_contract(db.session, contract_id)
    terms = cancel_contract(db.session, contract, current_user)
    db.session.commit()
    return CancellationOut(contract=ContractOut.model_validate(contract), **terms.__dict__)


# -- invoices and payments -------------------------------------------------------------------


@endpoint(
    "/invoices",
    allow=READERS,
    summary="An edition's invoices",
    tag="invoices",
    query=InvoiceQuery,
    response=InvoiceList,
)
def list_invoices(query: InvoiceQuery) -> InvoiceList:
    statement = invoicing.invoice_query(
        _show(query.show), status=query.status, company_id=query.company_id, kind=query.kind
    )
    return InvoiceList(**paged(statement, query, InvoiceOut.model_validate))


@endpoint(
    "/invoices/<int:invoice_id>",
    allow=READERS,
    summary="One invoice",
    tag="invoices",
    response=InvoiceOut,
)
def get_invoice(invoice_id: int) -> InvoiceOut:
    return InvoiceOut.model_validate(invoicing.get_invoice(db.session, invoice_id))


@endpoint(
    "/invoices/overdue",
    allow=BACK_OFFICE,
    summary="Open invoices past due, with balance",
    tag="invoices",
    query=ShowQuery,
    response=[OverdueOut],
)
def overdue(query: ShowQuery) -> list[OverdueOut]:
    rows = invoicing.overdue_invoices(db.session, _show(query.show))
    return [OverdueOut(**r.__dict__) for r in rows]


@endpoint(
    "/invoices/<int:invoice_id>/payments",
    method="POST",
    allow=CASHIERS,
    summary="Record a payment (on-site staff: cash or card only)",
    tag="payments",
    body=PaymentIn,
    response=PaymentOut,
    status=201,
)
def pay(invoice_id: int, body: PaymentIn) -> PaymentOut:
    invoice = invoicing.get_invoice(db.session, invoice_id)
    payment = invoicing.record_payment(
        db.session,
        invoice,
        body.amount,
        body.method,
        current_user,
        body.received_on,
        body.reference,
    )
    db.session.commit()
    return PaymentOut.model_validate(payment)


@endpoint(
    "/invoices/<int:invoice_id>/payments",
    allow=READERS,
    summary="Payments on an invoice",
    tag="payments",
    response=[PaymentOut],
)
def payments(invoice_id: int) -> list[PaymentOut]:
    invoice = invoicing.get_invoice(db.session, invoice_id)
    return [PaymentOut.model_validate(p) for p in invoice.payments]


class OnsiteChargeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    show: str | None = Field(default=None, description="Edition code; the current one if empty")
    description: str = Field(min_length=1, max_length=200)
    amount: Decimal
    method: PaymentMethod


@endpoint(
    "/companies/<int:company_id>/onsite-charges",
    method="POST",
    allow=CASHIERS,
    summary="Invoice a fee taken at the show desk and record its payment",
    tag="payments",
    body=OnsiteChargeIn,
    response=InvoiceOut,
    status=201,
)
def onsite_charge(company_id: int, body: OnsiteChargeIn) -> InvoiceOut:
    from expo_crm.directory.services import get_company

    company = get_company(db.session, company_id)
    invoice = invoicing.onsite_charge(
        db.session,
        _show(body.show),
        company.id,
        body.amount,
        body.method,
        body.description,
        current_user,
    )
    db.session.commit()
    return InvoiceOut.model_validate(invoice)
