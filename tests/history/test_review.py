"""Uncertain matches: a person says same or different, and no import asks again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from expo_crm.directory.models import Company
from expo_crm.errors import Conflict
from expo_crm.followup import kpis
from expo_crm.history import importer, review
from expo_crm.history.models import MatchDecision, MatchMethod, Participation, Review
from expo_crm.shows.models import Show


@pytest.fixture
def uncertain(db, create_show, create_company):
    create_show("EXPO2024", 2024)
    vertex = create_company("Vertex Systems Ltda", country="BR")
    importer.import_list(
        db, b"company,area_m2\nVortex Systems,9\n", "2019.csv", "EXPO2019", name="Expo 2019"
    )
    row = db.scalar(select(Participation).where(Participation.listed_name == "Vortex Systems"))
    assert (row.review, row.candidate_id) == (Review.PENDING, vertex.id)
    return vertex, row


def test_pending_lists_the_close_company_beside_the_listed_name(db, uncertain) -> None:
    vertex, row = uncertain
    [pending] = review.pending(db)
    assert (pending.listed_name, pending.candidate_name, pending.show_code) == (
        "Vortex Systems",
        "Vertex Systems Ltda",
        "EXPO2019",
    )
    assert pending.score == pytest.approx(92.3, abs=0.1)
    assert review.pending_count(db) == 1


def test_same_merges_the_import_company_into_the_close_one(db, uncertain) -> None:
    vertex, row = uncertain
    own = row.company_id
    assert review.decide(db, row.id, same=True, user=None).id == vertex.id
    assert db.get(Company, own).merged_into_id == vertex.id
    assert db.get(Participation, row.id).company_id == vertex.id
    assert db.scalar(select(MatchDecision.same)) is True
    # The next edition's list spells it the same way: it is Vertex, and nobody is asked.
    result = importer.import_list(
        db, b"company\nVortex Systems\n", "2020.csv", "EXPO2020", name="Expo 2020"
    )
    assert (result.matched, result.created, result.uncertain) == (1, 0, [])
    k = kpis.edition_kpis(db, db.scalar(select(Show).where(Show.code == "EXPO2020")))
    assert (k.new, k.rebooked) == (0, 1)


def test_different_keeps_both_and_is_remembered(db, uncertain, create_company) -> None:
    vertex, row = uncertain
    own = row.company_id
    assert review.decide(db, row.id, same=False, user=None).id == own
    assert db.get(Company, own).merged_into_id is None
    with pytest.raises(Conflict):
        review.decide(db, row.id, same=True, user=None)
    # Even a fresh spelling of the same key at another edition is not offered Vertex again.
    result = importer.import_list(
        db, b"company\nVORTEX SYSTEMS S.A.\n", "2021.csv", "EXPO2021", name="Expo 2021"
    )
    assert result.uncertain == []
    listed = db.scalar(
        select(Participation).where(Participation.listed_name == "VORTEX SYSTEMS S.A.")
    )
    assert (listed.company_id, listed.match) == (own, MatchMethod.LISTED)


def test_the_command_line_lists_and_decides(db, uncertain, runner) -> None:
    vertex, row = uncertain
    out = runner.invoke(args=["history", "review"])
    assert out.exit_code == 0, out.output
    assert f"[{row.id}] EXPO2019: “Vortex Systems”" in out.output
    out = runner.invoke(args=["history", "review", "--same", str(row.id)])
    assert out.exit_code == 0, out.output
    assert f"it counts for Vertex Systems Ltda (company {vertex.id})" in out.output
    assert "No uncertain matches." in runner.invoke(args=["history", "review"]).output
