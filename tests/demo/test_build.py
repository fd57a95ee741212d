from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from expo_crm import demo
from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.directory.models import Company, Person
from expo_crm.exhibitors.models import Contract, ContractStatus
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, VisitorCategory


@pytest.mark.slow
def test_demo_builds_a_show_series_with_every_role(db) -> None:
    summary = demo.build(db, scale=1, seed=7, progress=lambda _m: None, today=date(2026, 11, 23))
    shows = db.scalars(select(Show).order_by(Show.starts_on)).all()
    # Four editions sold in Expo CRM, after four whose exhibitor lists were imported.
    assert summary["editions"] == 4
    assert [s.year for s in shows] == list(range(2020, 2028))
    assert summary["listed exhibitors (imported)"] > 400
    assert shows[-1].starts_on > date(2026, 11, 23)  # the edition being sold
    assert {u.role for u in db.scalars(select(User))} == set(Role)
    keys = db.scalars(select(Company.normalized_name)).all()
    assert len(keys) == len(set(keys)) >= 1200
    assert db.scalar(select(func.count()).where(Company.name.like("%有限公司"))) > 20
    assert db.scalar(select(func.count(Person.id)).where(Person.is_booking_contact)) >= 300
    assert demo.has_data(db)


def test_demo_refuses_to_overwrite_data(runner, create_show) -> None:
    create_show()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "already has data" in result.output
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0


@pytest.mark.slow
def test_demo_visitors_become_exhibitors_the_next_edition(db) -> None:
    """A share of each edition's new exhibitors visited the edition before, sending more
    people and more decision makers than the visitors who did not book (but not always)."""
    demo.build(db, scale=1, seed=5, progress=lambda _m: None, today=date(2026, 11, 23))
    shows = db.scalars(select(Show).where(Show.year >= 2024).order_by(Show.starts_on)).all()
    exhibitors: dict[int, set[int]] = defaultdict(set)
    for company_id, show_id in db.execute(
        select(Contract.company_id, Contract.show_id).where(
            Contract.status != ContractStatus.CANCELLED
        )
    ):
        exhibitors[show_id].add(company_id)
    for before, after in zip(shows[:2], shows[1:3], strict=True):
        visits: dict[int, list[bool]] = defaultdict(list)  # company → senior flag per visitor
        for company_id, role in db.execute(
            select(Registration.company_id, Registration.purchasing_role).where(
                Registration.show_id == before.id,
                Registration.category != VisitorCategory.EXHIBITOR_STAFF,
                Registration.company_id.is_not(None),
            )
        ):
            visits[company_id].append(role in ("Final decision", "Recommend"))
        candidates = set(visits) - exhibitors[before.id]
        converted = candidates & exhibitors[after.id]
        ever = set().union(*(exhibitors[s.id] for s in shows if s.starts_on <= before.starts_on))
        new = exhibitors[after.id] - ever
        assert len(converted) >= 10, (before.code, len(converted))
        assert 0.25 <= len(converted & new) / len(new) <= 0.6  # the rest come from elsewhere
        stayed = candidates - converted

        def mean(values: list[float]) -> float:
            return sum(values) / len(values)

        assert mean([len(visits[c]) for c in converted]) > mean([len(visits[c]) for c in stayed])
        senior = [sum(visits[c]) / len(visits[c]) for c in converted]
        assert mean(senior) > mean([sum(visits[c]) / len(visits[c]) for c in stayed])
        # Noisy, as in life: some keen-looking companies did not book.
        assert any(len(visits[c]) >= 3 for c in stayed)
