from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from expo_crm import demo
from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.directory.models import Company, Person
from expo_crm.shows.models import Show


@pytest.mark.slow
def test_demo_builds_a_show_series_with_every_role(db) -> None:
    summary = demo.build(db, scale=1, seed=7, progress=lambda _m: None, today=date(2026, 11, 23))
    shows = db.scalars(select(Show).order_by(Show.starts_on)).all()
    assert len(shows) == summary["editions"] == 4
    assert [s.year for s in shows] == [2024, 2025, 2026, 2027]
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
