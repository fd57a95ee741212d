"""KPIs across three editions, computed by hand.

Contracts (area m², total):
    company  2023        2024          2025
    A        9, 1000     18, 2000      9, 1000
    B        12, 1500    12, 1800      -
    C        9, 1000     -             9, 1200
    D        -           9, 1000       -
    E        -           (cancelled)   20, 2500
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from expo_crm.auth.roles import Role
from expo_crm.errors import ValidationError
from expo_crm.exhibitors.models import ContractStatus
from expo_crm.followup import kpis
from expo_crm.followup.models import FollowUpTask, TaskStatus
from expo_crm.visitors.models import VisitorCategory


@pytest.fixture
def history(db, three_editions, create_company, make_contract, make_registration, create_person):
    s23, s24, s25 = three_editions
    co = {k: create_company(f"Company {k}") for k in "ABCDE"}
    for show, k, area, total in [
        (s23, "A", 9, 1000),
        (s23, "B", 12, 1500),
        (s23, "C", 9, 1000),
        (s24, "A", 18, 2000),
        (s24, "B", 12, 1800),
        (s24, "D", 9, 1000),
        (s25, "A", 9, 1000),
        (s25, "C", 9, 1200),
        (s25, "E", 20, 2500),
    ]:
        make_contract(show, co[k], total, area)
    make_contract(s24, co["E"], 5000, 30, status=ContractStatus.CANCELLED)
    # Visitors of 2024: P1 (company E, also came in 2023), a public and a press visitor,
    # and exhibitor staff who do not count as visitors.
    p1 = create_person("P One", email="p1@example.com", company_id=co["E"].id)
    make_registration(s23, co["E"], person=p1, category=VisitorCategory.PUBLIC)
    make_registration(s24, co["E"], person=p1, category=VisitorCategory.TRADE)
    make_registration(s24, None, category=VisitorCategory.PUBLIC)
    make_registration(s24, None, category=VisitorCategory.PRESS)
    make_registration(s24, co["A"], category=VisitorCategory.EXHIBITOR_STAFF)
    return three_editions, co


def test_first_edition_has_everyone_new_and_no_rebooking(db, history) -> None:
    (s23, _s24, _s25), _co = history
    k = kpis.edition_kpis(db, s23)
    assert (k.exhibitors, k.new, k.lost, k.upgraded, k.downgraded) == (3, 3, 0, 0, 0)
    assert k.rebooking_rate is None
    assert k.revenue == Decimal("3500.00")
    assert k.returning == 0


def test_second_edition_by_area(db, history) -> None:
    (_s23, s24, _s25), _co = history
    k = kpis.edition_kpis(db, s24)
    assert (k.exhibitors, k.new, k.lost, k.rebooked) == (3, 1, 1, 2)
    assert (k.upgraded, k.downgraded) == (1, 0)  # A grew 9 → 18 m²; B kept 12 m²
    assert k.rebooking_rate == pytest.approx(2 / 3, abs=1e-4)
    assert k.net_m2 == Decimal("39.00")  # the cancelled 30 m² does not count
    assert k.revenue == Decimal("4800.00")
    assert k.avg_revenue == Decimal("1600.00")
    assert (k.visitors, k.trade, k.returning) == (3, 1, 1)
    assert k.trade_share == pytest.approx(1 / 3, abs=1e-4)


def test_second_edition_by_spend_counts_b_as_upgraded(db, history) -> None:
    (_s23, s24, _s25), _co = history
    k = kpis.edition_kpis(db, s24, basis="spend")
    assert (k.upgraded, k.downgraded) == (2, 0)


def test_third_edition_lapsed_exhibitor_is_new_again(db, history) -> None:
    (_s23, _s24, s25), co = history
    k = kpis.edition_kpis(db, s25)
    assert (k.exhibitors, k.new, k.lost, k.rebooked) == (3, 2, 2, 1)
    assert (k.upgraded, k.downgraded) == (0, 1)
    assert k.rebooking_rate == pytest.approx(1 / 3, abs=1e-4)
    assert k.avg_revenue == Decimal("1566.67")
    # E's person visited 2024 and E exhibits in 2025 for the first time: one conversion.
    assert k.conversions == 1
    rows = db.execute(kpis.exhibitor_list(db, s25, "converted")).all()
    assert [r.name for r in rows] == ["Company E"]


def test_lists_match_the_figures(db, history) -> None:
    (_s23, s24, s25), _co = history
    names = {
        kind: sorted(r.name for r in db.execute(kpis.exhibitor_list(db, s25, kind)))
        for kind in kpis.EXHIBITOR_LISTS
    }
    assert names["new"] == ["Company C", "Company E"]
    assert names["lost"] == ["Company B", "Company D"]
    assert names["downgraded"] == ["Company A"]
    assert names["rebooked"] == ["Company A"]
    assert names["upgraded"] == []
    returning = db.execute(kpis.visitor_list(db, s24, "returning")).all()
    assert [r.full_name for r in returning] == ["P One"]
    assert len(db.execute(kpis.visitor_list(db, s24, "visitors")).all()) == 3


def test_trend_identity_holds_each_edition(db, history) -> None:
    rows = kpis.trend(db)
    assert [r.show_code for r in rows] == ["EXPO2023", "EXPO2024", "EXPO2025"]
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.exhibitors == before.exhibitors - after.lost + after.new


def test_unknown_list_and_basis_are_refused(db, history) -> None:
    (_s23, s24, _s25), _co = history
    with pytest.raises(ValidationError):
        kpis.exhibitor_list(db, s24, "bogus")
    with pytest.raises(ValidationError):
        kpis.edition_kpis(db, s24, basis="weight")


def test_sales_ranking(db, three_editions, create_company, make_contract, create_user) -> None:
    _s23, s24, _s25 = three_editions
    ana, bob = create_user(Role.SALES, name="Ana"), create_user(Role.SALES, name="Bob")
    make_contract(s24, create_company("X"), 3000, 9, user=ana)
    make_contract(s24, create_company("Y"), 1000, 9, user=bob)
    make_contract(s24, create_company("Z"), 9000, 9, user=bob, status=ContractStatus.CANCELLED)
    db.add(
        FollowUpTask(
            title="Call",
            assigned_to_id=bob.id,
            due_on=datetime(2025, 1, 1).date(),
            status=TaskStatus.DONE,
            completed_at=datetime(2024, 3, 1, tzinfo=UTC),
        )
    )
    db.flush()
    ranking = kpis.sales_ranking(db, s24)
    assert [(r.name, r.revenue, r.contracts) for r in ranking] == [
        ("Ana", Decimal("3000.00"), 1),
        ("Bob", Decimal("1000.00"), 1),
    ]
    bob_rank = ranking[1]
    assert (bob_rank.quotes, bob_rank.quotes_converted, bob_rank.tasks_done) == (2, 2, 1)
