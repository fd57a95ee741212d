"""Weights learned from the show's history: adopted when better, refused when worse.

Two made-up histories of six editions, 40 exhibitors each, areas known. A continuing
exhibitor's area swings between 12 and 18 m² (so each year about half grew, half shrank);
newcomers fill the places left.

* "Growers lapse": every exhibitor that grew does not come back. The hand weights say the
  opposite (growing lowers the risk, shrinking raises it), so a model fitted on the earlier
  years beats them in every backtest and is adopted.
* "The rule changes": in the first two years the growers lapse, then the first-timers do.
  The hand weights rank every first-timer first (3 points for a first edition outweigh
  anything a continuing exhibitor scores), an AUC of 1 in every later year; a model fitted on
  the years before learned the old rule and ranks worse, so it is refused and the hand
  weights stay.
"""

from __future__ import annotations

from datetime import date

import pytest

from expo_crm.followup import learning, rebooking

YEARS = range(2018, 2024)
SIZE = 40
TODAY = date(2025, 1, 1)


def _history(db, create_show, create_company, listed, rule) -> None:
    shows = [create_show(f"EXPO{y}", y) for y in YEARS]
    pool = iter(create_company(f"Co {n:03d}") for n in range(1000))
    area: dict[int, int] = {}
    current = [next(pool) for _ in range(SIZE)]
    for k, show in enumerate(shows):
        grew, first = set(), set()
        for c in current:
            before = area.get(c.id)
            if before is None:
                first.add(c.id)
                now = 12 if c.id % 2 else 18
            else:
                now = 18 if before == 12 else 12
            if before is not None and now > before:
                grew.add(c.id)
            area[c.id] = now
            listed(show, c, now)
        stay = [c for c in current if not rule(k, c.id in grew, c.id in first)]
        current = stay + [next(pool) for _ in range(SIZE - len(stay))]


def test_a_model_that_beats_the_hand_weights_is_adopted(
    db, create_show, create_company, listed
) -> None:
    _history(db, create_show, create_company, listed, lambda _k, grew, _first: grew)
    record = learning.learn(db, rebooking.question(), today=TODAY)
    means = record.evaluation["mean_auc"]
    assert means["learned"] > means["hand"]
    assert means["learned"] > means["editions"]
    assert record.adopted
    assert "it is used" in record.evaluation["reason"]
    model = rebooking.current_model(db)
    assert model.kind == "learned"
    assert model.slopes["grew"] > 0  # it learned that growing means leaving here
    # Both backtests of every year are kept, each with every ranking.
    assert {r["name"] for r in record.evaluation["folds"][-1]["rankings"]} == {
        "hand",
        "learned",
        "editions",
        "random",
    }


def test_a_model_worse_than_the_hand_weights_is_refused(
    db, create_show, create_company, listed
) -> None:
    _history(
        db, create_show, create_company, listed, lambda k, grew, first: grew if k < 2 else first
    )
    record = learning.learn(db, rebooking.question(), today=TODAY)
    means = record.evaluation["mean_auc"]
    assert means["hand"] == 1.0
    assert means["learned"] < means["hand"]
    assert not record.adopted
    assert record.score == {}
    assert "the hand weights stay" in record.evaluation["reason"]
    assert rebooking.current_model(db) is rebooking.HAND


def test_learning_needs_history(db, create_show, create_company, listed) -> None:
    s1, s2 = create_show("EXPO2022", 2022), create_show("EXPO2023", 2023)
    listed(s1, create_company("Only"))
    record = learning.learn(db, rebooking.question(), today=TODAY)
    assert not record.adopted
    assert "Not enough history" in record.evaluation["reason"]
    assert learning.adopted(db, "rebooking") is None
    assert s2.code == "EXPO2023"


@pytest.mark.parametrize("kind", ["rebooking", "prospects"])
def test_learn_command_says_what_it_decided(db, runner, create_show, kind) -> None:
    create_show("EXPO2023", 2023)
    out = runner.invoke(args=["followup", "learn", "--what", kind])
    assert out.exit_code == 0, out.output
    assert "hand weights stay" in out.output
