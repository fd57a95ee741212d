"""On-site desk, on-site fees, housekeeping command and booth import from the CLI."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.db import utcnow
from expo_crm.exhibitors import services
from expo_crm.exhibitors.models import Booth, BoothStatus, Invoice, InvoiceKind, QuoteStatus


def test_desk_finds_an_exhibitor_and_charges_a_fee(db, show, create_company, as_role) -> None:
    company = create_company("Desk Visitor GmbH")
    client = as_role(Role.ONSITE)
    found = client.get(f"/exhibitors/desk?show={show.code}&q=desk visitor").get_data(as_text=True)
    assert "Desk Visitor GmbH" in found
    page = client.get(f"/exhibitors/desk?show={show.code}&company={company.id}")
    assert "Balance for this edition" in page.get_data(as_text=True)
    client.post(
        f"/exhibitors/desk/{company.id}/charge?show={show.code}",
        data={"description": "Extra power", "amount": "-5", "method": "cash"},
    )
    assert db.scalar(select(func.count(Invoice.id))) == 0  # refused, nothing made
    client.post(
        f"/exhibitors/desk/{company.id}/charge?show={show.code}",
        data={"description": "Extra power", "amount": "120.50", "method": "onsite_card"},
    )
    invoice = db.scalar(select(Invoice))
    assert (invoice.kind, invoice.amount, invoice.amount_paid) == (
        InvoiceKind.ONSITE,
        Decimal("120.50"),
        Decimal("120.50"),
    )
    assert as_role(Role.SALES).get(f"/exhibitors/desk?show={show.code}").status_code == 403


def test_onsite_charge_api(db, show, create_company, create_user, client) -> None:
    company = create_company()
    token = issue_token(db, create_user(Role.ONSITE), "desk")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/companies/{company.id}/onsite-charges"
    body = {"show": show.code, "description": "Badges", "amount": "30.00", "method": "cash"}
    assert client.post(url, json=body, headers=headers).json["status"] == "paid"
    wire = client.post(url, json={**body, "method": "bank_transfer"}, headers=headers)
    assert wire.status_code == 400
    assert "cash or card" in wire.json["error"]["message"]


def test_expire_command_expires_quotes_and_releases_holds(
    db, show, create_booth, create_company, runner
) -> None:
    company = create_company()
    old = services.quote_booth(
        db, create_booth(), company.id, None, today=date.today() - timedelta(days=90)
    )
    held = create_booth()
    services.hold_booth(db, held, company.id, None)
    held.held_until = utcnow() - timedelta(hours=1)
    db.flush()
    result = runner.invoke(args=["exhibitors", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 quotes expired, 1 holds released" in result.output
    assert old.status is QuoteStatus.EXPIRED
    assert held.status is BoothStatus.AVAILABLE


def test_import_booths_command(db, show, runner, tmp_path) -> None:
    good = tmp_path / "booths.csv"
    good.write_text("hall,code,area_m2,booth_type,open_sides\nC,C-1,9,shell_scheme,1\n")
    result = runner.invoke(args=["exhibitors", "import-booths", show.code, str(good)])
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("hall,code,area_m2,booth_type\nC,C-1,9,shell_scheme\n")
    result = runner.invoke(args=["exhibitors", "import-booths", show.code, str(bad)])
    assert result.exit_code != 0
    assert "already used" in result.output or "used twice" in result.output
    assert db.scalar(select(func.count(Booth.id))) == 1
