"""The booth-sales pages: flows through the client, roles, and bad input refused clearly."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.exhibitors import services
from expo_crm.exhibitors.contracts import sign_contract
from expo_crm.exhibitors.models import (
    Booth,
    BoothStatus,
    Contract,
    ContractStatus,
    Invoice,
    InvoiceKind,
    Payment,
    Quote,
)

from .conftest import RULES


@pytest.fixture
def sold(db, show, create_booth, create_company):
    """A contract signed long ago, so its deposit is overdue today."""
    quote = services.quote_booth(
        db,
        create_booth(code="A-900"),
        create_company("Overdue Co").id,
        None,
        today=date.today() - timedelta(days=60),
    )
    return sign_contract(db, quote, None, today=date.today() - timedelta(days=60))


def _flash(client) -> list[str]:
    with client.session_transaction() as session:
        return [m for _c, m in session.get("_flashes", [])]


def test_floor_plan_shows_booths_by_status_and_hall(db, show, create_booth, as_role) -> None:
    a = create_booth(code="A-1", x=0, y=0)
    unplaced = create_booth(code="A-2")
    create_booth(code="B-1", hall="B", x=0, y=0)
    services.hold_booth(db, a, _company(db).id, None)
    page = as_role(Role.SALES).get(f"/exhibitors/floorplan?show={show.code}&hall=A")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    plan = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="st-held' in plan
    assert ">A-1</text>" in plan
    assert "A-2" not in plan  # not placed yet: listed beside the plan, not drawn
    listed = html[html.index("Not on the plan yet") : html.index("<svg")]
    assert f"booth={unplaced.id}" in listed
    assert "A-1" not in listed
    assert "B-1" not in html
    assert "Hall B" in html


def _company(db):
    from expo_crm.directory.models import Company

    company = Company(name="Holder GmbH", normalized_name="holder")
    db.add(company)
    db.flush()
    return company


def test_sell_from_the_floor_plan(db, show, create_booth, create_company, as_role) -> None:
    booth = create_booth(code="A-7", x=0, y=0)
    company = create_company("Nordic Packaging AB", is_member=True)
    client = as_role(Role.SALES)
    panel = client.get(f"/exhibitors/floorplan?show={show.code}&hall=A&booth={booth.id}&q=nordic")
    assert "Nordic Packaging AB" in panel.get_data(as_text=True)
    held = client.post(f"/exhibitors/booths/{booth.id}/hold", data={"company_id": company.id})
    assert held.status_code == 302
    assert booth.status is BoothStatus.HELD
    made = client.post(
        "/exhibitors/quotes/new", data={"booth_id": booth.id, "company_id": company.id}
    )
    quote = db.scalar(select(Quote))
    assert made.location.endswith(f"/exhibitors/quotes/{quote.id}")
    view = client.get(made.location).get_data(as_text=True)
    assert quote.number in view
    assert "early_bird" in view or "member" in view
    signed = client.post(
        f"/exhibitors/quotes/{quote.id}/sign", data={"notes": "Signed at the desk"}
    )
    contract = db.scalar(select(Contract))
    assert signed.location.endswith(f"/exhibitors/contracts/{contract.id}")
    assert booth.status is BoothStatus.SOLD
    page = client.get(signed.location).get_data(as_text=True)
    assert contract.number in page
    assert contract.number in client.get(made.location).get_data(as_text=True)
    plan = client.get(f"/exhibitors/floorplan?show={show.code}&hall=A").get_data(as_text=True)
    assert "A-7, 18 m², Sold, Nordic Packaging AB" in plan
    assert "EXPO2026-000001" in page
    company_page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert quote.number in company_page
    assert contract.number in company_page


def test_quote_for_a_sold_booth_page_says_why(db, sold, create_company, as_role) -> None:
    other = create_company("Too Late Ltd")
    client = as_role(Role.SALES)
    before = db.scalar(select(func.count(Quote.id)))
    response = client.post(
        "/exhibitors/quotes/new",
        data={"booth_id": sold.booth_id, "company_id": other.id},
        headers={"Referer": "/exhibitors/floorplan"},
    )
    assert response.status_code == 302
    assert any("already sold" in m for m in _flash(client))
    assert db.scalar(select(func.count(Quote.id))) == before


@pytest.mark.parametrize(
    ("area", "code", "message"),
    [("-4", "A-50", "greater than zero"), ("12", "A-1", "already used")],
)
def test_booth_form_refuses_bad_input(db, show, create_booth, as_role, area, code, message) -> None:
    create_booth(code="A-1")
    client = as_role(Role.SALES)
    response = client.post(
        f"/exhibitors/booths/new?show={show.code}",
        data={
            "hall": "A",
            "code": code,
            "area_m2": area,
            "booth_type": "raw_space",
            "open_sides": 1,
        },
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Booth.id))) == 1


def test_booth_csv_import_page(db, show, as_role) -> None:
    client = as_role(Role.SALES)
    bad = io.BytesIO(b"hall,code,area_m2,booth_type\nA,A-1,-9,raw_space\n")
    client.post(
        f"/exhibitors/booths/import?show={show.code}",
        data={"file": (bad, "booths.csv")},
        content_type="multipart/form-data",
    )
    assert any("line 2" in m for m in _flash(client))
    assert db.scalar(select(func.count(Booth.id))) == 0
    good = io.BytesIO(b"hall,code,area_m2,booth_type,open_sides\nA,A-1,9,raw_space,2\n")
    client.post(
        f"/exhibitors/booths/import?show={show.code}",
        data={"file": (good, "booths.csv")},
        content_type="multipart/form-data",
    )
    assert db.scalar(select(func.count(Booth.id))) == 1


FORM = {
    "raw_space_price": "400",
    "shell_scheme_price": "500",
    "extra_side_percent": "10",
    "early_bird_deadline": "2026-03-31",
    "early_bird_percent": "10",
    "volume_tiers": "36: 3\n72: 6",
    "member_percent": "5",
    "returning_percent": "4",
    "first_time_percent": "2",
    "deposit_percent": "30",
    "deposit_due_days": "30",
    "balance_due_days_before_show": "45",
    "quote_valid_days": "30",
    "cancellation_tiers": "91: 10\n30: 50\n0: 100",
}


def test_price_rules_page_shows_and_saves_the_rules(db, show, as_role) -> None:
    client = as_role(Role.SALES)
    page = client.get(f"/exhibitors/price-rules?show={show.code}").get_data(as_text=True)
    assert "36: 3" in page
    assert "91: 10" in page
    # The form as shown is exactly the stored rules: saving it unchanged keeps version 1,
    # also when the browser sends the amounts as rendered (400.00 for 400).
    assert client.post(f"/exhibitors/price-rules?show={show.code}", data=FORM).status_code == 302
    rendered = {**FORM, "raw_space_price": "400.00", "extra_side_percent": "10.00"}
    assert (
        client.post(f"/exhibitors/price-rules?show={show.code}", data=rendered).status_code == 302
    )
    assert services.price_list(db, show).version == 1
    assert services.price_list(db, show).rules == services.parse_rules(RULES).as_json()
    changed = {**FORM, "extra_side_percent": "12", "volume_tiers": "40: 4%"}
    assert client.post(f"/exhibitors/price-rules?show={show.code}", data=changed).status_code == 302
    saved = services.price_rules(db, show)
    assert (services.price_list(db, show).version, saved.extra_side_percent) == (2, 12)
    assert [(t.min_area_m2, t.percent) for t in saved.volume_tiers] == [(40, 4)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra_side_percent": "-3"}, "extra_side_percent"),
        ({"shell_scheme_price": "0"}, "greater than zero"),
        ({"volume_tiers": "36 3"}, "Line 1: write it as"),
        ({"cancellation_tiers": "30: 50\n30: 60"}, "same day"),
        ({"early_bird_deadline": "", "early_bird_percent": "10"}, "needs a deadline"),
        ({"deposit_percent": "abc"}, "Not a valid decimal"),
    ],
)
def test_price_rules_page_refuses_malformed_rules(db, show, as_role, change, message) -> None:
    client = as_role(Role.SALES)
    bad = client.post(f"/exhibitors/price-rules?show={show.code}", data={**FORM, **change})
    assert bad.status_code == 200
    assert message in bad.get_data(as_text=True)
    assert services.price_list(db, show).version == 1


def _deposit(db, contract) -> Invoice:
    return db.scalar(
        select(Invoice).where(
            Invoice.contract_id == contract.id, Invoice.kind == InvoiceKind.DEPOSIT
        )
    )


def test_payment_larger_than_the_balance_is_refused(db, sold, as_role) -> None:
    deposit = _deposit(db, sold)
    client = as_role(Role.FINANCE)
    response = client.post(
        f"/exhibitors/invoices/{deposit.id}/payments",
        data={
            "amount": str(deposit.amount + 1),
            "method": "bank_transfer",
            "received_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert any("larger than the balance" in m for m in _flash(client))
    assert db.scalar(select(func.count(Payment.id))) == 0
    ok = client.post(
        f"/exhibitors/invoices/{deposit.id}/payments",
        data={
            "amount": "100.00",
            "method": "bank_transfer",
            "received_on": date.today().isoformat(),
        },
    )
    assert ok.status_code == 302
    assert deposit.amount_paid == Decimal("100.00")


def test_onsite_staff_take_cash_but_not_transfers_and_see_the_balance(db, sold, as_role) -> None:
    deposit = _deposit(db, sold)
    client = as_role(Role.ONSITE)
    page = client.get(f"/exhibitors/invoices/{deposit.id}").get_data(as_text=True)
    assert "Company balance" in page
    assert 'value="bank_transfer"' not in page
    client.post(
        f"/exhibitors/invoices/{deposit.id}/payments",
        data={
            "amount": "10.00",
            "method": "bank_transfer",
            "received_on": date.today().isoformat(),
        },
    )
    assert deposit.amount_paid == Decimal("0.00")
    client.post(
        f"/exhibitors/invoices/{deposit.id}/payments",
        data={"amount": "10.00", "method": "cash", "received_on": date.today().isoformat()},
    )
    assert deposit.amount_paid == Decimal("10.00")


@pytest.mark.parametrize(
    ("role", "method", "url"),
    [
        (Role.SALES, "POST", "/exhibitors/invoices/{invoice}/payments"),
        (Role.FINANCE, "POST", "/exhibitors/booths/{booth}/hold"),
        (Role.FINANCE, "POST", "/exhibitors/quotes/new"),
        (Role.ONSITE, "GET", "/exhibitors/overdue"),
        (Role.ONSITE, "POST", "/exhibitors/contracts/{contract}/cancel"),
        (Role.KIOSK, "GET", "/exhibitors/floorplan"),
    ],
)
def test_role_refusals(db, sold, as_role, role, method, url) -> None:
    target = url.format(invoice=_deposit(db, sold).id, booth=sold.booth_id, contract=sold.id)
    assert as_role(role).open(target, method=method).status_code == 403
    assert sold.status is ContractStatus.SIGNED


def test_cancel_shows_the_fee_before_confirming(db, sold, as_role) -> None:
    client = as_role(Role.SALES)
    page = client.get(f"/exhibitors/contracts/{sold.id}/cancel").get_data(as_text=True)
    assert "Cancellation fee" in page
    assert sold.status is ContractStatus.SIGNED
    client.post(f"/exhibitors/contracts/{sold.id}/cancel", data={"confirm": "yes"})
    assert sold.status is ContractStatus.CANCELLED
    again = client.post(f"/exhibitors/contracts/{sold.id}/cancel", data={"confirm": "yes"})
    assert again.status_code == 302
    assert any("cannot go from “Cancelled”" in m for m in _flash(client))


def test_overdue_list_and_exports(db, show, sold, as_role) -> None:
    client = as_role(Role.FINANCE)
    page = client.get(f"/exhibitors/overdue?show={show.code}").get_data(as_text=True)
    assert "Overdue Co" in page
    assert "EXPO2026-000001" in page
    csv = client.get(f"/exhibitors/overdue?show={show.code}&format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("invoice,company")
    assert lines[1].startswith("EXPO2026-000001,Overdue Co,deposit")
    assert ",30," in lines[1]  # 60 days ago + 30 days to pay = 30 days overdue
    xlsx = client.get(f"/exhibitors/overdue?show={show.code}&format=xlsx")
    assert xlsx.data[:2] == b"PK"
    invoices = client.get(f"/exhibitors/invoices?show={show.code}&status=open&q=overdue")
    assert "EXPO2026-000002" in invoices.get_data(as_text=True)


def test_dashboard_shows_sales_performance(
    db, show, create_booth, create_company, create_user, login
) -> None:
    seller = create_user(Role.SALES, name="Sandra Seller")
    services.quote_booth(db, create_booth(), create_company().id, seller, today=date(2026, 3, 1))
    page = login(seller).get(f"/exhibitors/?show={show.code}").get_data(as_text=True)
    assert "Sandra Seller" in page
    assert "Quote-to-contract rate" in page


def test_booth_list_and_edit(db, show, create_booth, as_role) -> None:
    booth = create_booth(code="A-3")
    client = as_role(Role.SALES)
    assert "A-3" in client.get(f"/exhibitors/booths?show={show.code}").get_data(as_text=True)
    response = client.post(
        f"/exhibitors/booths/{booth.id}/edit",
        data={
            "hall": "A",
            "code": "A-3",
            "area_m2": "0",
            "booth_type": "raw_space",
            "open_sides": 1,
        },
    )
    assert "greater than zero" in response.get_data(as_text=True)
    db.refresh(booth)
    assert booth.area_m2 == Decimal(18)


def test_exports_neutralize_formulas_in_company_names(
    db, show, create_booth, create_company, as_role
) -> None:
    evil = create_company('=HYPERLINK("http://x.example","click")')
    day = date.today() - timedelta(days=60)
    sign_contract(
        db, services.quote_booth(db, create_booth(), evil.id, None, today=day), None, today=day
    )
    csv = as_role(Role.FINANCE).get(f"/exhibitors/overdue?show={show.code}&format=csv")
    body = csv.get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body
