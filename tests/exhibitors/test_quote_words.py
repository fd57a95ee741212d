"""A quote's lines are shown in the reader's language: rule names and worded computations,
never the rule's code (``open_sides``)."""

from __future__ import annotations

from datetime import date

from flask_babel import refresh

from expo_crm.auth.roles import Role
from expo_crm.exhibitors import services
from tests.served.crawler import parse

ZH = {"Accept-Language": "zh-CN"}


def test_quote_lines_are_worded_not_coded(db, show, create_booth, create_company, create_user,
                                          as_role) -> None:  # fmt: skip
    booth = create_booth()
    company = create_company(is_member=True)
    quote = services.quote_booth(db, booth, company.id, create_user(), today=date(2026, 3, 1))
    client = as_role(Role.SALES)
    english = " ".join(parse(client.get(f"/exhibitors/quotes/{quote.id}").text, "/").text)
    for words in ("Base price", "Open-side premium", "Early-bird discount",
                  "Association member discount", "First-time exhibitor discount",
                  "18 m² Shell scheme × R$500.00", "1 extra open side(s) × 10%",
                  "Early bird until Mar 31, 2026: −10%"):  # fmt: skip
        assert words in english
    refresh()  # the tests' one app context keeps the locale of its first request
    page = parse(client.get(f"/exhibitors/quotes/{quote.id}", headers=ZH).text, "/")
    chinese = " ".join(page.text)
    for code in ("base", "open_sides", "early_bird", "first_time", "member", "Shell scheme"):
        assert code not in page.text, code
        assert code not in chinese, code
    assert "基础价" in chinese
    assert "开口加价" in chinese
    assert "18 m² 标准展位 × R$500.00" in chinese
