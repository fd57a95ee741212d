"""Demo badges, gate check-ins and exhibitor leads for the registrations the visitors seeder made.

Every registration gets a badge; visitors of past editions were admitted on one to four
show days at one of the gates, and some of them were scanned at booths (leads with
ratings and notes). The demo exhibitor scanner's company gets qualifying questions and a
good share of leads. Bulk inserts keep this fast at scale 10.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from expo_crm.badges import qr
from expo_crm.badges.models import (
    Badge,
    CheckIn,
    Lead,
    LeadQuestion,
    LeadQuestionKind,
    LeadRating,
)
from expo_crm.demo.base import World
from expo_crm.visitors.models import Registration

GATES = ["North 1", "North 2", "South", "East (VIP)"]
NOTES = [
    "Wants a quote for two lines",
    "Interested in the new model; call after the show",
    "Distributor for the south region",
    "Just collecting brochures",
    "想要报价",
    "Follow up in Q1",
    "",
]
DEDUPE_SECONDS = 120


def seed(session: Session, world: World) -> None:
    rng = world.rng
    world.progress("Issuing badges, gate check-ins and booth leads…")
    secret = str(current_app.config["SECRET_KEY"])
    today = world.today
    scanner_company = next(
        (u.company_id for u in world.users.values() if u.company_id is not None), None
    )
    if scanner_company is not None:
        _questions(session, scanner_company)

    totals: defaultdict[str, int] = defaultdict(int)
    for show in world.shows:
        rows = session.execute(
            select(Registration.id, Registration.company_id).where(Registration.show_id == show.id)
        ).all()
        if not rows:
            continue
        badges = []
        for registration_id, _company in rows:
            badge_id, code = qr.new_code(secret)
            badges.append(
                {
                    "id": badge_id,
                    "code": code,
                    "registration_id": registration_id,
                    "show_id": show.id,
                    "print_count": 1 if show.ends_on < today else 0,
                    "issued_at": datetime.combine(
                        show.starts_on - timedelta(days=3), time(9), tzinfo=UTC
                    ),
                }
            )
        session.execute(insert(Badge), badges)
        totals["badges"] += len(badges)
        if show.ends_on >= today:
            continue  # the coming edition: badges ready, nobody admitted yet
        checkins, leads, first_seen = _attendance(rng, show, badges)
        session.execute(insert(CheckIn), checkins)
        registrations = Registration.__table__
        if not isinstance(registrations, Table):
            raise TypeError("Registration must be mapped to a plain table.")
        session.connection().execute(
            update(registrations)
            .where(registrations.c.id == bindparam("rid"))
            .values(checked_in_at=bindparam("at")),
            [{"rid": rid, "at": at} for rid, at in first_seen.items()],
        )
        exhibitors = rng.sample(world.exhibitor_pool, min(len(world.exhibitor_pool), 80))
        if scanner_company is not None:
            exhibitors = [c for c in exhibitors if c.id != scanner_company]
        lead_rows = _leads(rng, show, leads, [c.id for c in exhibitors], scanner_company)
        if lead_rows:
            session.execute(insert(Lead), lead_rows)
        totals["checkins"] += len(checkins)
        totals["leads"] += len(lead_rows)
    world.summary.update(totals)


def _questions(session: Session, company_id: int) -> None:
    session.add_all(
        [
            LeadQuestion(
                company_id=company_id,
                position=1,
                text="Budget for this year?",
                kind=LeadQuestionKind.CHOICE,
                choices=["< 50k", "50k–250k", "> 250k"],
            ),
            LeadQuestion(
                company_id=company_id,
                position=2,
                text="Decision maker?",
                kind=LeadQuestionKind.YESNO,
                choices=[],
            ),
            LeadQuestion(
                company_id=company_id,
                position=3,
                text="Product of interest",
                kind=LeadQuestionKind.TEXT,
                choices=[],
            ),
        ]
    )
    session.flush()


def _attendance(
    rng: random.Random, show: Any, badges: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], datetime]], dict[int, datetime]]:
    """Return check-in rows, (badge, time) of visits that can become leads, first check-ins."""
    zone = ZoneInfo(show.timezone or "UTC")
    days = show.days
    checkins: list[dict[str, Any]] = []
    visits: list[tuple[dict[str, Any], datetime]] = []
    first_seen: dict[int, datetime] = {}
    for badge in badges:
        if rng.random() > 0.8:
            continue  # registered, never came
        n_days = rng.choices([1, 2, 3, 4], weights=[55, 25, 12, 8])[0]
        for day in sorted(rng.sample(days, min(n_days, len(days)))):
            local = datetime.combine(day, time(9), tzinfo=zone) + timedelta(
                minutes=rng.randrange(0, 420)
            )
            at = local.astimezone(UTC)
            checkins.append(
                {
                    "badge_id": badge["id"],
                    "registration_id": badge["registration_id"],
                    "show_id": show.id,
                    "gate": rng.choice(GATES),
                    "day": day,
                    "bucket": int(at.timestamp()) // DEDUPE_SECONDS,
                    "scanned_at": at,
                }
            )
            first_seen.setdefault(badge["registration_id"], at)
            visits.append((badge, at))
    return checkins, visits, first_seen


def _leads(
    rng: random.Random,
    show: Any,
    visits: list[tuple[dict[str, Any], datetime]],
    exhibitors: list[int],
    scanner_company: int | None,
) -> list[dict[str, Any]]:
    rows = []
    seen: set[tuple[int, int]] = set()
    for badge, at in visits:
        booths = rng.choices([0, 1, 2, 3, 5], weights=[45, 25, 15, 10, 5])[0]
        chosen = rng.sample(exhibitors, min(booths, len(exhibitors)))
        if scanner_company is not None and rng.random() < 0.04:
            chosen.append(scanner_company)
        for company_id in chosen:
            key = (company_id, badge["registration_id"])
            if key in seen:
                continue
            seen.add(key)
            rating = rng.choices(
                [LeadRating.HOT, LeadRating.WARM, LeadRating.COLD, None], weights=[15, 35, 30, 20]
            )[0]
            rows.append(
                {
                    "show_id": show.id,
                    "company_id": company_id,
                    "registration_id": badge["registration_id"],
                    "badge_id": badge["id"],
                    "rating": rating,
                    "notes": rng.choice(NOTES) if rating else "",
                    "answers": {},
                    "scan_count": rng.choices([1, 2, 3], weights=[80, 15, 5])[0],
                    "scanned_at": at + timedelta(minutes=rng.randrange(20, 300)),
                    "updated_at": at + timedelta(minutes=rng.randrange(20, 300)),
                }
            )
    return rows
