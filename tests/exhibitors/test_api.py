"""The /api/v1 booth-sales endpoints: same services as the pages, clear JSON errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.exhibitors import services
from expo_crm.exhibitors.models import Booth, Contract, Invoice, Payment, Quote

from .conftest import RULES


@pytest.fixture
def api(db, client, create_user):
    def call(role: Role, method: str, url: str, **kwargs):
        token = issue_token(db, create_user(role), "test")
        return client.open(
            "/api/v1" + url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs
        )

    return call


def test_sell_a_booth_through_the_api(db, show, create_booth, create_company, api) -> None:
    booth = create_booth(code="A-5")
    company = create_company("API Buyer SA")
    listed = api(Role.SALES, "GET", f"/booths?show={show.code}&status=available")
    assert [b["code"] for b in listed.json] == ["A-5"]
    first = api(
        Role.SALES, "POST", "/quotes", json={"booth_id": booth.id, "company_id": company.id}
    )
    assert first.status_code == 201
    again = api(
        Role.SALES, "POST", "/quotes", json={"booth_id": booth.id, "company_id": company.id}
    )
    assert again.json["number"] == first.json["number"]
    assert again.json["total"] == first.json["total"]
    assert [line["rule"] for line in first.json["lines"]][:2] == ["base", "open_sides"]
    signed = api(Role.SALES, "POST", "/contracts", json={"quote_id": first.json["id"]})
    assert signed.status_code == 201
    assert signed.json["status"] == "signed"
    invoices = api(Role.FINANCE, "GET", f"/invoices?show={show.code}&company_id={company.id}")
    assert [i["kind"] for i in invoices.json["items"]] == ["balance", "deposit"]
    deposit = invoices.json["items"][1]
    paid = api(
        Role.FINANCE,
        "POST",
        f"/invoices/{deposit['id']}/payments",
        json={"amount": deposit["balance"], "method": "bank_transfer"},
    )
    assert paid.status_code == 201
    assert api(Role.FINANCE, "GET", f"/invoices/{deposit['id']}").json["status"] == "paid"
    cancelled = api(Role.SALES, "POST", f"/contracts/{signed.json['id']}/cancel")
    assert cancelled.json["contract"]["status"] == "cancelled"
    assert Decimal(cancelled.json["fee"]) > 0


def test_sold_booth_and_overpayment_are_clear_conflicts(
    db, show, create_booth, create_company, api
) -> None:
    booth = create_booth()
    a, b = create_company("A Ltd"), create_company("B Ltd")
    quote = api(Role.SALES, "POST", "/quotes", json={"booth_id": booth.id, "company_id": a.id})
    api(Role.SALES, "POST", "/contracts", json={"quote_id": quote.json["id"]})
    refused = api(Role.SALES, "POST", "/quotes", json={"booth_id": booth.id, "company_id": b.id})
    assert refused.status_code == 409
    assert "already sold" in refused.json["error"]["message"]
    invoice = db.scalar(select(Invoice).order_by(Invoice.sequence))
    too_much = api(
        Role.FINANCE,
        "POST",
        f"/invoices/{invoice.id}/payments",
        json={"amount": str(invoice.amount + Decimal("0.01")), "method": "card"},
    )
    assert too_much.status_code == 422
    assert "larger than the balance" in too_much.json["error"]["message"]
    assert db.scalar(select(func.count(Payment.id))) == 0


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/booths",
            {"hall": "A", "code": "X-1", "area_m2": "-3", "booth_type": "raw_space"},
            "area_m2",
        ),
        (
            "/booths",
            {"hall": "A", "code": "X-1", "area_m2": "9", "booth_type": "tent"},
            "booth_type",
        ),
        ("/quotes", {"booth_id": "one", "company_id": 1}, "booth_id"),
        ("/quotes", {"booth_id": 1, "company_id": 1, "discount": 50}, "discount"),
    ],
)
def test_invalid_bodies_get_field_errors(db, show, api, url, body, field) -> None:
    response = api(Role.SALES, "POST", url, json=body)
    assert response.status_code == 422
    error = response.json["error"]
    assert field in (error.get("fields") or {}) or field in error["message"]
    assert db.scalar(select(func.count(Booth.id))) == 0
    assert db.scalar(select(func.count(Quote.id))) == 0


def test_duplicate_booth_code_through_the_api(db, show, create_booth, api) -> None:
    create_booth(code="A-1")
    response = api(
        Role.SALES,
        "POST",
        "/booths",
        json={
            "show": show.code,
            "hall": "A",
            "code": "A-1",
            "area_m2": "9",
            "booth_type": "raw_space",
        },
    )
    assert response.status_code == 422
    assert "already used" in response.json["error"]["message"]


def test_malformed_json_is_refused(db, show, api) -> None:
    response = api(
        Role.SALES, "POST", "/quotes", data="{booth_id: 1", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json["error"]["message"] == "The request body is not valid JSON."


def test_price_rules_round_trip_and_bad_rules(db, show, api) -> None:
    got = api(Role.SALES, "GET", f"/price-rules/{show.code}")
    assert got.json["version"] == 1
    bad = api(
        Role.SALES, "PUT", f"/price-rules/{show.code}", json={**RULES, "early_bird_percent": "150"}
    )
    assert bad.status_code == 422
    assert "rules.early_bird_percent" in bad.json["error"]["fields"] or "early_bird_percent" in str(
        bad.json["error"]
    )
    ok = api(
        Role.SALES, "PUT", f"/price-rules/{show.code}", json={**RULES, "early_bird_percent": "7"}
    )
    assert ok.json["version"] == 2
    assert services.price_list(db, show).version == 2


def test_roles_on_the_api(db, show, create_booth, api) -> None:
    booth = create_booth()
    assert (
        api(Role.FINANCE, "POST", f"/booths/{booth.id}/hold", json={"company_id": 1}).status_code
        == 403
    )
    assert api(Role.ONSITE, "GET", f"/booths?show={show.code}").status_code == 200
    assert api(Role.SALES, "POST", "/invoices/1/payments", json={}).status_code == 403
    assert db.scalar(select(func.count(Contract.id))) == 0


def test_openapi_describes_booth_sales(api) -> None:
    doc = api(Role.SALES, "GET", "/openapi.json").json
    for path in (
        "/api/v1/booths",
        "/api/v1/quotes",
        "/api/v1/contracts",
        "/api/v1/price-rules/{show_code}",
        "/api/v1/invoices/{invoice_id}/payments",
    ):
        assert path in doc["paths"], path
    assert "PriceRules" in doc["components"]["schemas"]
