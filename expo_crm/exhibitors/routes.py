"""Back-office pages of booth sales: floor plan, booths, price rules, quotes, contracts,
invoices, payments, overdue list and sales performance. Thin: parse, call a service, commit."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from expo_crm.auth.roles import Role, roles
from expo_crm.errors import ValidationError
from expo_crm.exhibitors import invoicing, reports, services
from expo_crm.exhibitors import panels as _panels  # noqa: F401  (registers the company panel)
from expo_crm.exhibitors.contracts import (
    cancel_contract,
    cancellation_terms,
    get_contract,
    sign_contract,
)
from expo_crm.exhibitors.forms import (
    BoothForm,
    BoothImportForm,
    CancelForm,
    HoldForm,
    OnsiteChargeForm,
    PaymentForm,
    PriceRulesForm,
    QuoteForm,
    SignForm,
)
from expo_crm.exhibitors.models import (
    ONSITE_METHODS,
    BoothStatus,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
)
from expo_crm.exhibitors.quote_words import line_words
from expo_crm.exports import table_response
from expo_crm.extensions import db
from expo_crm.labels import label
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)
bp = Blueprint("exhibitors", __name__, url_prefix="/exhibitors")

SELLERS = (Role.SALES,)
MONEY_PEOPLE = (Role.FINANCE,)
BACK_OFFICE = (Role.SALES, Role.FINANCE)
CASHIERS = (Role.FINANCE, Role.ONSITE)


def _show() -> Show:
    """The edition the page is about: ``?show=CODE``, else the current one."""
    from expo_crm.shows.services import current_show, get_show

    code = request.args.get("show") or request.form.get("show")
    show = get_show(db.session, code) if code else current_show(db.session)
    if show is None:
        abort(404, _("Create a show edition first."))
    return show


def _shows() -> list[Show]:
    from expo_crm.shows.services import list_shows

    return list_shows(db.session)


def _form_errors(form: Any, exc: ValidationError) -> None:
    field = getattr(form, exc.field, None)
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(exc.message)
    else:
        flash(exc.message, "error")


# -- sales start page and performance -------------------------------------------------------


@bp.get("/")
@roles(*BACK_OFFICE)
def dashboard() -> str:
    show = _show()
    return render_template(
        "exhibitors/dashboard.html",
        show=show,
        shows=_shows(),
        totals=reports.show_totals(db.session, show),
        performance=reports.sales_performance(db.session, show),
    )


# -- floor plan and booths ------------------------------------------------------------------


@bp.get("/floorplan")
@roles(Role.SALES, Role.FINANCE, Role.ONSITE)
def floorplan() -> str:
    from expo_crm.directory.services import company_query

    show = _show()
    halls = services.halls(db.session, show)
    hall = request.args.get("hall") or (halls[0] if halls else None)
    booths = services.list_booths(db.session, show, hall=hall) if hall else []
    selected = None
    if request.args.get("booth", "").isdigit():
        selected = services.get_booth(db.session, int(request.args["booth"]))
        if selected.show_id != show.id:
            selected = None
    q = request.args.get("q", "").strip()
    matches = list(db.session.scalars(company_query(q).limit(15))) if q and selected else []
    # Booths not placed yet are listed beside the plan, not drawn on it.
    width = max((b.x + b.width for b in booths if b.x is not None), default=Decimal(10)) + 2
    height = max((b.y + b.depth for b in booths if b.y is not None), default=Decimal(10)) + 2
    return render_template(
        "exhibitors/floorplan.html",
        show=show,
        shows=_shows(),
        halls=halls,
        hall=hall,
        booths=booths,
        placed=[b for b in booths if b.is_placed],
        unplaced=[b for b in booths if not b.is_placed],
        selected=selected,
        q=q,
        matches=matches,
        width=width,
        height=height,
        counts={s: sum(1 for b in booths if b.status is s) for s in BoothStatus},
        # Formatted once per distinct value: a hall has hundreds of booths but few sizes.
        area_labels={a: format_decimal(a) for a in {b.area_m2 for b in booths}},
        status_labels={s: label(s) for s in BoothStatus},
        hold_form=HoldForm(),
        quote_form=QuoteForm(),
    )


@bp.get("/booths")
@roles(*BACK_OFFICE)
def booths() -> str | Response:
    show = _show()
    status = request.args.get("status") or None
    rows = services.list_booths(
        db.session,
        show,
        hall=request.args.get("hall") or None,
        status=BoothStatus(status) if status in set(BoothStatus) else None,
    )
    if request.args.get("format") in ("csv", "xlsx"):
        return table_response(
            request.args["format"],
            f"booths-{show.code}",
            [
                "hall",
                "code",
                "area_m2",
                "booth_type",
                "open_sides",
                "status",
                "company_id",
                "x",
                "y",
                "width",
                "depth",
            ],
            [
                [
                    b.hall,
                    b.code,
                    b.area_m2,
                    b.booth_type.value,
                    b.open_sides,
                    b.status.value,
                    b.company_id,
                    b.x,
                    b.y,
                    b.width,
                    b.depth,
                ]
                for b in rows
            ],
        )
    return render_template(
        "exhibitors/booths.html",
        show=show,
        shows=_shows(),
        booths=rows,
        import_form=BoothImportForm(),
    )


@bp.route("/booths/new", methods=["GET", "POST"])
@roles(*SELLERS)
def new_booth() -> str | Response:
    show = _show()
    form = BoothForm()
    if form.validate_on_submit():
        try:
            booth = services.create_booth(db.session, show, current_user, **form.values())
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Booth %(code)s created.", code=booth.code), "success")
            return redirect(url_for("exhibitors.booths", show=show.code))
    return render_template("exhibitors/booth_form.html", form=form, show=show, booth=None)


@bp.route("/booths/<int:booth_id>/edit", methods=["GET", "POST"])
@roles(*SELLERS)
def edit_booth(booth_id: int) -> str | Response:
    booth = services.get_booth(db.session, booth_id)
    form = BoothForm(obj=booth)
    if request.method == "GET":
        form.booth_type.data = booth.booth_type.value
    if form.validate_on_submit():
        try:
            services.update_booth(db.session, booth, current_user, **form.values())
        except ValidationError as exc:
            db.session.rollback()
            _form_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Booth %(code)s saved.", code=booth.code), "success")
            return redirect(url_for("exhibitors.booths", show=booth.show.code))
    return render_template("exhibitors/booth_form.html", form=form, show=booth.show, booth=booth)


@bp.post("/booths/import")
@roles(*SELLERS)
def import_booths() -> Response:
    show = _show()
    form = BoothImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a CSV file to import."), "error")
        return redirect(url_for("exhibitors.booths", show=show.code))
    try:
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text (save it as CSV UTF-8)."), "error")
        return redirect(url_for("exhibitors.booths", show=show.code))
    count = services.import_booths_csv(db.session, show, text, current_user)
    db.session.commit()
    flash(_("%(n)s booths imported.", n=count), "success")
    return redirect(url_for("exhibitors.booths", show=show.code))


@bp.post("/booths/<int:booth_id>/hold")
@roles(*SELLERS)
def hold_booth(booth_id: int) -> Response:
    booth = services.get_booth(db.session, booth_id)
    form = HoldForm()
    if not form.validate_on_submit():
        flash(_("Pick the company to hold the booth for."), "error")
    else:
        services.hold_booth(db.session, booth, form.company_id.data, current_user)
        db.session.commit()
        flash(_("Booth %(code)s held.", code=booth.code), "success")
    return redirect(
        url_for("exhibitors.floorplan", show=booth.show.code, hall=booth.hall, booth=booth.id)
    )


@bp.post("/booths/<int:booth_id>/release")
@roles(*SELLERS)
def release_booth(booth_id: int) -> Response:
    booth = services.get_booth(db.session, booth_id)
    services.release_booth(db.session, booth, current_user)
    db.session.commit()
    flash(_("Booth %(code)s is available again.", code=booth.code), "success")
    return redirect(
        url_for("exhibitors.floorplan", show=booth.show.code, hall=booth.hall, booth=booth.id)
    )


# -- price rules ----------------------------------------------------------------------------


@bp.route("/price-rules", methods=["GET", "POST"])
@roles(*SELLERS)
def price_rules() -> str | Response:
    show = _show()
    plist = services.price_list(db.session, show)
    form = PriceRulesForm()
    problem = None
    if request.method == "GET":
        form.fill(plist.rules)
    if form.validate_on_submit():
        try:
            saved = services.save_price_rules(db.session, show, form.rules(), current_user)
        except ValidationError as exc:
            db.session.rollback()
            problem = exc.message
        else:
            db.session.commit()
            flash(_("Price rules saved (version %(v)s).", v=saved.version), "success")
            return redirect(url_for("exhibitors.price_rules", show=show.code))
    else:
        db.session.commit()  # keep the default rules created on first visit
    return render_template(
        "exhibitors/price_rules.html",
        form=form,
        show=show,
        shows=_shows(),
        plist=plist,
        problem=problem,
        rules_json=json.dumps(plist.rules, indent=2, ensure_ascii=False),
    )


# -- quotes ---------------------------------------------------------------------------------


@bp.route("/quotes/new", methods=["GET", "POST"])
@roles(*SELLERS)
def new_quote() -> str | Response:
    from expo_crm.directory.services import company_query

    form = QuoteForm()
    if form.validate_on_submit():
        booth = services.get_booth(db.session, form.booth_id.data)
        quote = services.quote_booth(db.session, booth, form.company_id.data, current_user)
        db.session.commit()
        return redirect(url_for("exhibitors.quote", quote_id=quote.id))
    if request.method == "POST":
        flash(_("Pick a booth and a company."), "error")
    show = _show()
    booth_id = request.args.get("booth", "")
    picked = services.get_booth(db.session, int(booth_id)) if booth_id.isdigit() else None
    q = request.args.get("q", "").strip()
    matches = list(db.session.scalars(company_query(q).limit(20))) if q else []
    available = [
        b for b in services.list_booths(db.session, show) if b.status is not BoothStatus.SOLD
    ]
    return render_template(
        "exhibitors/quote_new.html",
        show=show,
        booth=picked,
        booths=available,
        q=q,
        matches=matches,
        form=form,
    )


@bp.get("/quotes/<int:quote_id>")
@roles(*BACK_OFFICE)
def quote(quote_id: int) -> str:
    from expo_crm.exhibitors.models import Contract

    record = services.get_quote(db.session, quote_id)
    contract = db.session.scalar(db.select(Contract).where(Contract.quote_id == record.id))
    return render_template(
        "exhibitors/quote.html",
        quote=record,
        words=line_words(record),
        show=record.booth.show,
        contract=contract,
        sign_form=SignForm(),
    )


@bp.post("/quotes/<int:quote_id>/withdraw")
@roles(*SELLERS)
def withdraw_quote(quote_id: int) -> Response:
    record = services.get_quote(db.session, quote_id)
    services.withdraw_quote(db.session, record, current_user)
    db.session.commit()
    flash(_("Quote %(n)s withdrawn.", n=record.number), "success")
    return redirect(url_for("exhibitors.quote", quote_id=record.id))


@bp.post("/quotes/<int:quote_id>/sign")
@roles(*SELLERS)
def sign_quote(quote_id: int) -> Response:
    record = services.get_quote(db.session, quote_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash(_("The notes are too long."), "error")
        return redirect(url_for("exhibitors.quote", quote_id=record.id))
    contract = sign_contract(db.session, record, current_user, notes=form.notes.data)
    db.session.commit()
    flash(_("Contract %(n)s signed.", n=contract.number), "success")
    return redirect(url_for("exhibitors.contract", contract_id=contract.id))


# -- contracts ------------------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>")
@roles(*BACK_OFFICE)
def contract(contract_id: int) -> str:
    record = get_contract(db.session, contract_id)
    invoices = list(
        db.session.scalars(
            db.select(Invoice).where(Invoice.contract_id == record.id).order_by(Invoice.sequence)
        )
    )
    return render_template(
        "exhibitors/contract.html",
        contract=record,
        show=record.booth.show,
        invoices=invoices,
        paid=invoicing.contract_paid(db.session, record),
    )


@bp.route("/contracts/<int:contract_id>/cancel", methods=["GET", "POST"])
@roles(*BACK_OFFICE)
def cancel(contract_id: int) -> str | Response:
    record = get_contract(db.session, contract_id)
    form = CancelForm()
    if form.validate_on_submit():
        terms = cancel_contract(db.session, record, current_user)
        db.session.commit()
        flash(
            _(
                "Contract %(n)s cancelled: fee %(fee)s, refund %(refund)s.",
                n=record.number,
                fee=terms.fee,
                refund=terms.refund,
            ),
            "success",
        )
        return redirect(url_for("exhibitors.contract", contract_id=record.id))
    return render_template(
        "exhibitors/cancel.html",
        contract=record,
        show=record.booth.show,
        terms=cancellation_terms(db.session, record),
        form=form,
    )


# -- invoices and payments ------------------------------------------------------------------


@bp.get("/invoices")
@roles(Role.SALES, Role.FINANCE, Role.ONSITE)
def invoices() -> str | Response:
    from expo_crm.directory.models import Company

    show = _show()
    status = request.args.get("status")
    query = invoicing.invoice_query(
        show, status=InvoiceStatus(status) if status in set(InvoiceStatus) else None
    )
    q = request.args.get("q", "").strip()
    if q:
        query = query.join(Company, Company.id == Invoice.company_id).where(
            db.func.lower(Company.name).like(f"%{q.lower()}%") | (Invoice.number == q.upper())
        )
    if request.args.get("format") in ("csv", "xlsx"):
        rows = db.session.scalars(query).all()
        return table_response(
            request.args["format"],
            f"invoices-{show.code}",
            [
                "number",
                "company",
                "kind",
                "issued_on",
                "due_on",
                "amount",
                "paid",
                "balance",
                "currency",
                "status",
            ],
            [
                [
                    i.number,
                    i.company.name,
                    i.kind.value,
                    i.issued_on,
                    i.due_on,
                    i.amount,
                    i.amount_paid,
                    i.balance,
                    i.currency,
                    i.status.value,
                ]
                for i in rows
            ],
        )
    page = db.paginate(query.options(selectinload(Invoice.company)), per_page=50, error_out=False)
    return render_template(
        "exhibitors/invoices.html",
        show=show,
        shows=_shows(),
        page=page,
        q=q,
        status=status,
        statuses=list(InvoiceStatus),
    )


@bp.get("/invoices/<int:invoice_id>")
@roles(Role.SALES, Role.FINANCE, Role.ONSITE)
def invoice(invoice_id: int) -> str:
    record = invoicing.get_invoice(db.session, invoice_id)
    form = PaymentForm(received_on=date.today(), amount=str(record.balance))
    if current_user.role is Role.ONSITE:
        form.method.choices = [c for c in form.method.choices if c[0] in set(ONSITE_METHODS)]
    return render_template(
        "exhibitors/invoice.html",
        invoice=record,
        show=db.session.get(Show, record.show_id),
        form=form,
        balance=invoicing.company_balance(db.session, record.company_id),
    )


@bp.post("/invoices/<int:invoice_id>/payments")
@roles(*CASHIERS)
def pay(invoice_id: int) -> str | Response:
    record = invoicing.get_invoice(db.session, invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            invoicing.record_payment(
                db.session,
                record,
                form.amount.data,
                PaymentMethod(form.method.data),
                current_user,
                form.received_on.data,
                form.reference.data,
            )
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Payment recorded on %(n)s.", n=record.number), "success")
            return redirect(url_for("exhibitors.invoice", invoice_id=record.id))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("exhibitors.invoice", invoice_id=record.id))


@bp.get("/desk")
@roles(*CASHIERS)
def desk() -> str:
    """The on-site desk: find an exhibitor, see its balance, take payments and fees."""
    from expo_crm.directory.services import company_query, get_company

    show = _show()
    q = request.args.get("q", "").strip()
    matches = list(db.session.scalars(company_query(q).limit(20))) if q else []
    company = None
    open_invoices: list[Invoice] = []
    if request.args.get("company", "").isdigit():
        company = get_company(db.session, int(request.args["company"]))
        open_invoices = list(
            db.session.scalars(
                invoicing.invoice_query(show, status=InvoiceStatus.OPEN, company_id=company.id)
            )
        )
    form = OnsiteChargeForm()
    form.method.choices = [c for c in form.method.choices if c[0] in set(ONSITE_METHODS)]
    return render_template(
        "exhibitors/desk.html",
        show=show,
        q=q,
        matches=matches,
        company=company,
        open_invoices=open_invoices,
        balance=invoicing.company_balance(db.session, company.id, show) if company else None,
        form=form,
    )


@bp.post("/desk/<int:company_id>/charge")
@roles(*CASHIERS)
def onsite_charge(company_id: int) -> Response:
    from expo_crm.directory.services import get_company

    show = _show()
    company = get_company(db.session, company_id)
    form = OnsiteChargeForm()
    if form.validate_on_submit():
        try:
            invoice = invoicing.onsite_charge(
                db.session,
                show,
                company.id,
                form.amount.data,
                PaymentMethod(form.method.data),
                form.description.data,
                current_user,
            )
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Fee charged and paid: invoice %(n)s.", n=invoice.number), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("exhibitors.desk", show=show.code, company=company.id))


@bp.get("/overdue")
@roles(Role.SALES, Role.FINANCE)
def overdue() -> str | Response:
    show = _show()
    rows = invoicing.overdue_invoices(db.session, show)
    if request.args.get("format") in ("csv", "xlsx"):
        return table_response(
            request.args["format"],
            f"overdue-{show.code}",
            [
                "invoice",
                "company",
                "kind",
                "due_on",
                "days_overdue",
                "amount",
                "balance",
                "currency",
            ],
            [
                [
                    r.number,
                    r.company_name,
                    r.kind.value,
                    r.due_on,
                    r.days_overdue,
                    r.amount,
                    r.balance,
                    r.currency,
                ]
                for r in rows
            ],
        )
    total = sum((r.balance for r in rows), Decimal("0.00"))
    return render_template(
        "exhibitors/overdue.html", show=show, shows=_shows(), rows=rows, total=total
    )
