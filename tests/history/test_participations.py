"""Imported editions count in every KPI, the pyramid, the value matrix and the mining.

A worked history, computed by hand (area m², amount; "-" = not listed, "?" = unknown):

    company  EXPO2021 (list)  EXPO2022 (list)  EXPO2023 (contracts)
    A        9, 1000          18, 2000         9, 1000  (also listed: 50, 9999, set aside)
    B        12, 1500         -                -
    C        ?, ?             9, 900           -
    D        -                9, 1000          12, 1300
    E        -                -                20, 2500
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from expo_crm.followup import kpis, prospects, value
from expo_crm.visitors.models import VisitorCategory


@pytest.fixture
def worked(db, create_show, create_company, listed, make_contract):
    s21, s22, s23 = (create_show(f"EXPO{y}", y) for y in (2021, 2022, 2023))
    co = {k: create_company(f"Company {k}") for k in "ABCDE"}
    listed(s21, co["A"], 9, 1000)
    listed(s21, co["B"], 12, 1500)
    listed(s21, co["C"])
    listed(s22, co["A"], 18, 2000)
    listed(s22, co["C"], 9, 900)
    listed(s22, co["D"], 9, 1000)
    make_contract(s23, co["A"], 1000, 9)
    make_contract(s23, co["D"], 1300, 12)
    make_contract(s23, co["E"], 2500, 20)
    listed(s23, co["A"], 50, 9999)  # the contract is A's participation; this stays aside
    return (s21, s22, s23), co


def test_kpis_count_listed_editions(db, worked) -> None:
    (s21, s22, s23), _co = worked
    k21, k22, k23 = (kpis.edition_kpis(db, s) for s in (s21, s22, s23))
    assert (k21.exhibitors, k21.new, k21.lost, k21.rebooked, k21.rebooking_rate) == (
        3,
        3,
        0,
        0,
        None,
    )
    assert (k21.net_m2, k21.revenue) == (Decimal("21.00"), Decimal("2500.00"))
    # 2022: D new, B lost; C's unknown 2021 area is neither up nor down from 9 m².
    assert (k22.exhibitors, k22.new, k22.lost, k22.rebooked) == (3, 1, 1, 2)
    assert (k22.upgraded, k22.downgraded) == (1, 0)
    assert k22.rebooking_rate == pytest.approx(0.6667, abs=1e-4)
    assert (k22.net_m2, k22.revenue) == (Decimal("36.00"), Decimal("3900.00"))
    # 2023 from contracts: E new, C lost; D grew 9 → 12, A shrank 18 → 9 (not 50).
    assert (k23.exhibitors, k23.new, k23.lost, k23.rebooked) == (3, 1, 1, 2)
    assert (k23.upgraded, k23.downgraded) == (1, 1)
    assert (k23.net_m2, k23.revenue) == (Decimal("41.00"), Decimal("4800.00"))


def test_lists_behind_the_figures_name_listed_companies(db, worked) -> None:
    (_s21, s22, s23), co = worked
    lost = db.execute(kpis.exhibitor_list(db, s22, "lost")).all()
    assert [r.name for r in lost] == ["Company B"]
    rebooked = db.execute(kpis.exhibitor_list(db, s23, "rebooked")).all()
    assert sorted(r.name for r in rebooked) == ["Company A", "Company D"]


def test_pyramid_ranks_listed_exhibitors_unknown_amounts_last(db, worked) -> None:
    (s21, _s22, _s23), _co = worked
    result = value.pyramid(db, s21)
    assert [(r.name, r.revenue, r.tier.value) for r in result.rows] == [
        ("Company B", Decimal("1500.00"), "vip"),
        ("Company A", Decimal("1000.00"), "small"),
        ("Company C", Decimal("0.00"), "small"),
    ]


def test_value_counts_listed_amounts_as_paid_history(db, worked) -> None:
    (_s21, _s22, s23), _co = worked
    values = {v.name: v for v in value.company_values(db, s23)}
    # Historical = paid before 2023: listed amounts of 2021 and 2022.
    assert {n: v.historical for n, v in values.items()} == {
        "Company A": Decimal("3000.00"),
        "Company B": Decimal("1500.00"),
        "Company C": Decimal("900.00"),
        "Company D": Decimal("1000.00"),
        "Company E": Decimal("0.00"),
    }
    assert values["Company A"].current == Decimal("1000.00")
    assert values["Company A"].editions == 3


def test_mining_sees_a_listed_past_exhibitor_as_lapsed(db, worked, make_registration) -> None:
    (_s21, _s22, s23), co = worked
    make_registration(s23, co["B"], category=VisitorCategory.TRADE)
    found = {p.name: p for p in prospects.candidate_signals(db, s23)}
    assert found["Company B"].signals["lapsed"] == 1


def test_kpis_json_prints_every_edition_oldest_first(db, worked, runner) -> None:
    out = runner.invoke(args=["followup", "kpis", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [d["show"] for d in data] == ["EXPO2021", "EXPO2022", "EXPO2023"]
    assert data[1] == {
        "show": "EXPO2022",
        "exhibitors": 3,
        "new": 1,
        "lost": 1,
        "rebooked": 2,
        "rebooking_rate": 0.6667,
        "upgraded": 1,
        "downgraded": 0,
        "area_m2": "36.00",
        "revenue": "3900.00",
        "opened": True,
    }


def test_an_edition_not_yet_open_has_not_lost_anyone(db, worked) -> None:
    (_s21, s22, s23), _co = worked
    before = kpis.edition_kpis(db, s23, today=date(2023, 9, 1))
    assert (before.opened, before.lost, before.not_yet_rebooked) == (False, None, 1)
    after = kpis.edition_kpis(db, s23, today=date(2023, 10, 6))
    assert (after.opened, after.lost, after.not_yet_rebooked) == (True, 1, None)
    data = kpis.as_json(before)
    assert (data["lost"], data["not_yet_rebooked"]) == (None, 1)


def test_a_company_listed_at_the_edition_before_prices_as_returning(
    db, create_show, create_company, listed
) -> None:
    from expo_crm.exhibitors.pricing import Category
    from expo_crm.exhibitors.services import exhibitor_categories

    s22, s23 = create_show("EXPO2022", 2022), create_show("EXPO2023", 2023)
    veteran, lapsed = create_company("Veteran"), create_company("Lapsed")
    listed(s22, veteran)
    assert exhibitor_categories(db, veteran.id, s23) == {Category.RETURNING}
    assert exhibitor_categories(db, lapsed.id, s23) == {Category.FIRST_TIME}
    assert exhibitor_categories(db, veteran.id, s22) == {Category.FIRST_TIME}
