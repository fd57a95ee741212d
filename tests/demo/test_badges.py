"""The badges demo seeder: badges for every registration, check-ins and leads for past shows."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.badges import checkin, leads
from expo_crm.badges.models import Badge, CheckIn, Lead
from expo_crm.demo import badges as demo
from expo_crm.demo.base import World


def test_seed_badges_checkins_and_leads(
    db, create_show, create_registration, create_company, create_user, request_ctx
) -> None:
    past = create_show("EXPO2024", 2024)
    coming = create_show("EXPO2099", 2099)
    for i in range(40):
        create_registration(f"Past {i}", the_show=past, company=None)
    for i in range(5):
        create_registration(f"Coming {i}", the_show=coming, company=None)
    exhibitors = [create_company(f"Exhibitor {i}") for i in range(5)]
    scanner = create_user(Role.SCANNER, company_id=exhibitors[0].id)
    world = World(
        rng=random.Random(1),
        scale=1,
        shows=[past, coming],
        companies=exhibitors,
        exhibitor_pool=exhibitors,
        visitor_companies=[],
        users={"s": scanner},
        progress=lambda _m: None,
    )
    demo.seed(db, world)
    assert db.scalar(select(func.count(Badge.id))) == 45
    assert db.scalar(select(func.count(CheckIn.id)).where(CheckIn.show_id == coming.id)) == 0
    days = db.scalars(select(CheckIn.day).where(CheckIn.show_id == past.id)).all()
    assert days
    assert set(days) <= set(past.days)
    assert world.summary["leads"] == db.scalar(select(func.count(Lead.id))) > 0
    assert leads.questions(db, exhibitors[0].id)
    # Demo badges are real badges: the coming edition's verify and scan like any other.
    badge = db.scalar(select(Badge).where(Badge.show_id == coming.id).limit(1))
    assert checkin.check_in(db, badge.code, "North").verdict == "wrong_day"
    assert date.today() < coming.starts_on
