"""Prospect mining: a worked example of the score, the organizer's weights, the backtest."""

from __future__ import annotations

import pytest

from expo_crm.directory.models import Activity
from expo_crm.errors import ValidationError
from expo_crm.followup import prospects
from expo_crm.visitors.models import VisitorCategory


@pytest.fixture
def world(db, three_editions, create_company, make_contract, make_registration):
    s23, s24, s25 = three_editions
    exh = create_company("Exhibitor Co", industry="Packaging", activity=Activity.MANUFACTURER)
    prospect = create_company("Prospect Co", industry="Packaging", activity=Activity.MANUFACTURER)
    small = create_company("Small Co", industry="Textiles", activity=Activity.RETAIL)
    booked = create_company("Booked Co", industry="Textiles", activity=Activity.RETAIL)
    make_contract(s24, exh, 1000)
    make_contract(s23, prospect, 1000)  # exhibited in 2023, lapsed in 2024
    make_contract(s25, booked, 1000)  # visited 2024, booked 2025
    make_registration(s24, exh)  # an exhibitor's people visiting: not a candidate
    make_registration(s23, prospect)
    make_registration(s24, prospect, purchasing_role="Final decision")
    make_registration(s24, prospect, job_function="General management")
    make_registration(s24, prospect, job_function="Engineering")
    make_registration(s24, prospect, category=VisitorCategory.EXHIBITOR_STAFF)  # not a visitor
    make_registration(s24, small)
    make_registration(s24, booked)
    return three_editions, {"prospect": prospect, "small": small, "booked": booked, "exh": exh}


def test_worked_example_score_and_reasons(db, world) -> None:
    (_s23, s24, _s25), co = world
    ranked = prospects.prospect_ranking(db, s24, prospects.DEFAULT_WEIGHTS)
    # Booked Co exhibits at the coming edition (2025) and Exhibitor Co at 2024: both left out.
    assert [p.name for p in ranked] == ["Prospect Co", "Small Co"]
    top = ranked[0]
    # 3 visitors × 2 + 2 senior × 3 + industry 4 + manufacturer 5 + lapsed 8 + 1 earlier
    # edition visited × 2 = 6 + 6 + 4 + 5 + 8 + 2 = 31.
    assert top.score == 31
    assert {signal: points for signal, _text, points in top.reasons} == {
        "visitors": 6,
        "senior": 6,
        "industry": 4,
        "maker": 5,
        "lapsed": 8,
        "returning": 2,
    }
    assert "exhibited in the past" in top.reason_text
    assert ranked[1].score == 2  # one visitor, nothing else


def test_caps_limit_a_signal(db, world, make_registration) -> None:
    (_s23, s24, _s25), co = world
    for _ in range(7):
        make_registration(s24, co["small"])
    small = next(p for p in prospects.prospect_ranking(db, s24) if p.name == "Small Co")
    assert small.signals["visitors"] == 8
    assert small.score == 2 * prospects.CAPS["visitors"]


def test_weights_are_stored_and_change_the_ranking(db, world) -> None:
    (_s23, s24, _s25), _co = world
    prospects.save_weights(db, {"lapsed": 0, "maker": "0", "visitors": 10})
    weights = prospects.get_weights(db)
    assert weights["lapsed"] == 0
    assert weights["senior"] == prospects.DEFAULT_WEIGHTS["senior"]
    top = prospects.prospect_ranking(db, s24)[0]
    assert top.score == 30 + 6 + 4 + 2
    assert "lapsed" not in {s for s, _t, _p in top.reasons}


@pytest.mark.parametrize("bad", [{"lapsed": "lots"}, {"lapsed": -1}, {"lapsed": 101}, {"charm": 3}])
def test_bad_weights_are_refused_and_change_nothing(db, bad) -> None:
    prospects.save_weights(db, {"lapsed": 5})
    with pytest.raises(ValidationError):
        prospects.save_weights(db, bad)
    assert prospects.get_weights(db)["lapsed"] == 5


def test_backtest_counts_hits_beside_baselines(db, world) -> None:
    (_s23, s24, s25), _co = world
    result = prospects.backtest(db, s24, ks=(1, 2, 3))
    assert result.companies == 3  # Prospect, Small, Booked (Booked counts in a backtest)
    assert result.outcomes == 1
    by = {r.name: r for r in result.rankings}
    # Too little history for a learned model: hand weights, visitor count and random only.
    assert list(by) == ["hand", "visitors", "random"]
    # Hand: Prospect 31, then Small and Booked tie at 2 (Small has the lower id).
    assert by["hand"].top == {1: 0, 2: 0, 3: 1}
    assert by["hand"].auc == 0.25  # Booked is below Prospect, level with Small
    assert by["visitors"].top == {1: 0, 2: 0, 3: 1}
    assert by["random"].top[3] == 1
    with pytest.raises(ValidationError):
        prospects.backtest(db, s25)


def test_backtest_command(runner, world) -> None:
    result = runner.invoke(args=["followup", "backtest", "--show", "EXPO2024", "--k", "2"])
    assert result.exit_code == 0, result.output
    assert "3 companies visited EXPO2024 without exhibiting" in result.output
    for label in ("hand weights", "visitor count", "random"):
        assert label in result.output
    bad = runner.invoke(args=["followup", "backtest", "--show", "EXPO2025"])
    assert bad.exit_code != 0
    assert "no next edition" in bad.output


def test_booth_scans_add_points(db, world, make_registration, attend) -> None:
    (_s23, s24, _s25), co = world
    visitor = make_registration(s24, co["small"])
    attend(visitor, booths=[co["exh"], co["prospect"]])
    small = next(p for p in prospects.prospect_ranking(db, s24) if p.name == "Small Co")
    assert small.signals["scans"] == 2
    assert small.score == 2 * 2 + 2 * 0.5  # two visitors now, two booth scans
    assert ("scans", "2 booth scans", 1.0) in small.reasons
