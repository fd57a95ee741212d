"""Booths and quotes: bad input refused, consistent quotes, categories, company history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.exhibitors import services
from expo_crm.exhibitors.contracts import sign_contract
from expo_crm.exhibitors.models import Booth, BoothStatus, Quote, QuoteStatus
from expo_crm.exhibitors.pricing import Category

from .conftest import RULES

EARLY = date(2026, 3, 1)


def _count(db, model) -> int:
    return db.scalar(select(func.count(model.id)))


def test_booth_bad_input_is_refused_and_changes_nothing(db, show, create_booth) -> None:
    create_booth(code="A-1")
    before = _count(db, Booth)
    with pytest.raises(ValidationError, match="greater than zero"):
        create_booth(code="A-2", area_m2=Decimal(-12))
    with pytest.raises(ValidationError, match="already used"):
        create_booth(code=" a-1 ")
    with pytest.raises(ValidationError, match="1 to 4"):
        create_booth(code="A-3", open_sides=5)
    with pytest.raises(ValidationError, match="Booth type"):
        create_booth(code="A-4", booth_type="tent")
    assert _count(db, Booth) == before


def test_csv_import_is_all_or_nothing(db, show) -> None:
    good = "hall,code,area_m2,booth_type,open_sides\nB,B-1,9,shell_scheme,1\nB,B-2,24,raw_space,2\n"
    assert services.import_booths_csv(db, show, good) == 2
    bad = (
        "hall,code,area_m2,booth_type\n"
        "B,B-3,9,shell_scheme\nB,B-1,9,raw_space\nB,B-4,-3,raw_space\nB,B-5,,raw_space\n"
    )
    with pytest.raises(ValidationError) as err:
        services.import_booths_csv(db, show, bad)
    assert "line 2" not in err.value.message
    assert "line 3" in err.value.message
    assert "line 4" in err.value.message
    assert "line 5: Give the booth's area." in err.value.message
    assert [b.code for b in services.list_booths(db, show)] == ["B-1", "B-2"]


def test_same_company_booth_and_rules_get_the_same_quote(
    db, show, create_booth, create_company, create_user
) -> None:
    booth = create_booth()
    company = create_company(is_member=True)
    first = services.quote_booth(db, booth, company.id, create_user(), today=EARLY)
    # A second sales user a week later, under the same rules version: same quote, same price.
    second = services.quote_booth(db, booth, company.id, create_user(), today=date(2026, 3, 8))
    assert second.id == first.id
    assert second.number == first.number == "Q-EXPO2026-000001"
    # 18 m² corner shell: 9900.00 − early bird 990.00 − member 445.50 − first time 2 % of
    # 8464.50 (169.29) = 8295.21
    assert first.total == Decimal("8295.21")
    assert first.rules_snapshot["categories"] == ["first_time", "member"]
    assert first.rules_snapshot["applied"] == [
        "base",
        "open_sides",
        "early_bird",
        "member",
        "first_time",
    ]
    assert [line.amount for line in first.lines][-1] == Decimal("-169.29")


def test_editing_rules_bumps_the_version_and_prices_anew(
    db, show, create_booth, create_company
) -> None:
    booth = create_booth()
    company = create_company()
    first = services.quote_booth(db, booth, company.id, None, today=EARLY)
    unchanged = services.save_price_rules(db, show, RULES, None)
    assert unchanged.version == 1  # same rules: no new version
    changed = services.save_price_rules(db, show, {**RULES, "early_bird_percent": "5"}, None)
    assert changed.version == 2
    second = services.quote_booth(db, booth, company.id, None, today=EARLY)
    assert second.id != first.id
    assert second.price_list_version == 2
    assert second.total != first.total
    assert [q.id for q in services.company_quotes(db, company.id)] == [second.id, first.id]


def test_malformed_rules_change_nothing(db, show) -> None:
    with pytest.raises(ValidationError):
        services.save_price_rules(db, show, {**RULES, "deposit_percent": "0"}, None)
    assert services.price_list(db, show).version == 1


def test_expired_quote_is_replaced(db, show, create_booth, create_company) -> None:
    booth = create_booth()
    company = create_company()
    first = services.quote_booth(db, booth, company.id, None, today=EARLY)
    later = services.quote_booth(db, booth, company.id, None, today=date(2026, 5, 1))
    assert later.id != first.id
    assert first.status is QuoteStatus.EXPIRED
    assert later.total > first.total  # no early bird any more


def test_quote_for_a_sold_booth_is_refused(db, show, create_booth, create_company) -> None:
    booth = create_booth()
    buyer, other = create_company("Buyer Ltd"), create_company("Other Ltd")
    sign_contract(
        db, services.quote_booth(db, booth, buyer.id, None, today=EARLY), None, today=EARLY
    )
    before = _count(db, Quote)
    with pytest.raises(Conflict, match="already sold"):
        services.quote_booth(db, booth, other.id, None, today=EARLY)
    assert _count(db, Quote) == before


def test_hold_refuses_other_companies_and_release(
    db, show, create_booth, create_company, create_user
) -> None:
    booth = create_booth()
    a, b = create_company("A Ltd"), create_company("B Ltd")
    services.hold_booth(db, booth, a.id, create_user())
    assert booth.status is BoothStatus.HELD
    with pytest.raises(Conflict, match="held for another"):
        services.hold_booth(db, booth, b.id, None)
    with pytest.raises(Conflict, match="held for another"):
        services.quote_booth(db, booth, b.id, None, today=EARLY)
    services.quote_booth(db, booth, a.id, None, today=EARLY)  # the holder may be quoted
    services.release_booth(db, booth, None)
    assert booth.status is BoothStatus.AVAILABLE
    assert booth.company_id is None


def test_quote_or_hold_for_unknown_company(db, show, create_booth) -> None:
    booth = create_booth()
    with pytest.raises(NotFound):
        services.quote_booth(db, booth, 999999, None, today=EARLY)
    with pytest.raises(NotFound):
        services.hold_booth(db, booth, 999999, None)
    assert booth.status is BoothStatus.AVAILABLE


def test_categories_returning_and_first_time(
    db, show, create_show, create_booth, create_company
) -> None:
    previous = create_show("EXPO2025", 2025)
    services.save_price_rules(db, previous, RULES, None)
    old_booth = create_booth(show=previous, code="OLD-1")
    veteran, newcomer = create_company("Veteran SA"), create_company("Newcomer SA")

    sign_contract(
        db,
        services.quote_booth(db, old_booth, veteran.id, None, today=date(2025, 3, 1)),
        None,
        today=date(2025, 3, 1),
    )
    assert services.exhibitor_categories(db, veteran.id, show) == {Category.RETURNING}
    assert services.exhibitor_categories(db, newcomer.id, show) == {Category.FIRST_TIME}
    assert services.exhibitor_categories(db, veteran.id, previous) == {Category.FIRST_TIME}


def test_withdraw_and_illegal_quote_transitions(db, show, create_booth, create_company) -> None:
    quote = services.quote_booth(db, create_booth(), create_company().id, None, today=EARLY)
    services.withdraw_quote(db, quote, None)
    assert quote.status is QuoteStatus.WITHDRAWN
    with pytest.raises(Conflict, match="cannot go from “Withdrawn” to “Withdrawn”"):
        services.withdraw_quote(db, quote, None)
    with pytest.raises(Conflict, match="only an issued quote"):
        sign_contract(db, quote, None, today=EARLY)
