"""Amounts and areas on the follow-up pages read as people write them, in their language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import refresh

from expo_crm.auth.roles import Role
from expo_crm.i18n import money
from tests.served.crawler import parse


def test_whole_money_rounds_to_units_in_the_locales_pattern(app) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert money(Decimal("1378206.49"), "BRL") == "R$1,378,206.49"
        assert money(Decimal("1378206.50"), "BRL", whole=True) == "R$1,378,207"
        assert money(Decimal("-5.5"), "EUR", whole=True) == "-€6"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()
        assert money(Decimal("24577.95"), "USD") == "US$24,577.95"
        assert money(Decimal("24577.95"), "USD", whole=True) == "US$24,578"


def test_lists_value_and_ranking_format_amounts(as_role, create_show, create_company, create_user,
                                                make_contract) -> None:  # fmt: skip
    before, now = create_show("EXPO2024", 2024), create_show("EXPO2025", 2025)
    seller = create_user(Role.SALES)
    acme = create_company("Acme", country="BR")
    make_contract(before, acme, "20577.95", "12")
    make_contract(now, acme, "24577.95", "1250", user=seller)
    client = as_role(Role.SALES)
    for url in (
        "/followup/lists/exhibitors/EXPO2025/exhibitors",
        "/followup/value/EXPO2025",
        "/followup/sales/EXPO2025",
        "/followup/?show=EXPO2025",
    ):
        page = client.get(url).text
        assert "24577.95" not in " ".join(parse(page, url).text), url  # what people read
        assert "R$24,577.95" in page or "R$24,578" in page, url
    listed = client.get("/followup/lists/exhibitors/EXPO2025/exhibitors").text
    assert "R$20,577.95" in listed
    assert "1,250" in listed
    refresh()  # the tests' one app context keeps the locale of its first request
    chinese = client.get("/followup/?show=EXPO2025", headers={"Accept-Language": "zh-CN"}).text
    assert "R$24,578" in chinese  # the KPI card: whole units, the exact amount on hover
    assert 'title="R$24,577.95"' in chinese
