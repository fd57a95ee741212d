"""Demo visitors: registrations across past editions, returning visitors, pre-registrations.

Bulk inserts keep scale 10 (tens of thousands of registrations) to well under a minute.
A company's latent interest (``world.interest``) sets how many staff it has (so how many
visit) and how often they are decision makers or buyers. Companies that book a booth at
the next edition (``world.booked_after_visit``, chosen by the exhibitors seeder, and lapsed
exhibitors coming back, ``world.won_back``) first send a team to this one, more senior than
their interest alone would say; some lapsed exhibitors visit without coming back. That is
the signal the after-show prospect mining looks for, with the noise a real show has.
Some people of exhibitor-pool companies also visit an early edition.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from expo_crm.demo.base import World, interest_weight, person_name, slug
from expo_crm.directory.models import Person
from expo_crm.exhibitors.models import Contract
from expo_crm.visitors.consents import consent_wording
from expo_crm.visitors.models import (
    ConsentKind,
    ConsentRecord,
    Registration,
    RegistrationSource,
    VisitorCategory,
)
from expo_crm.visitors.questionnaire import DEFAULT_QUESTIONS
from expo_crm.visitors.registering import CODE_ALPHABET, CODE_LENGTH

#: Registrations per past edition at scale 1.
PER_EDITION = 1200
RETURNING_SHARE = 0.35
#: Extra people made at each company that books a booth after visiting (its scouting team).
SCOUT_STAFF = 5
#: Chance that a lapsed exhibitor not coming back still sends someone to an edition.
LAPSED_VISIT = 0.3
#: Added to a company's interest when it is about to book (it sends decision makers).
SCOUTING_BOOST = 1.0
#: Answers of decision makers and buyers (a senior visitor answers one of each kind).
SENIOR_ROLES = ("Final decision", "Recommend")
SENIOR_JOBS = ("General management", "Purchasing")


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _exhibited(session: Session, world: World) -> list[set[int]]:
    """Return, per edition index, the ids of companies holding a contract there."""
    index_of = {show.id: i for i, show in enumerate(world.shows)}
    found: list[set[int]] = [set() for _ in world.shows]
    for company_id, show_id in session.execute(select(Contract.company_id, Contract.show_id)):
        if show_id in index_of:
            found[index_of[show_id]].add(company_id)
    return found


def _options(key: str) -> list[str]:
    question = next(q for q in DEFAULT_QUESTIONS if q["key"] == key)
    return [o["value"] for o in question["options"]]


def seed(session: Session, world: World) -> None:
    rng = world.rng
    world.progress("Creating visitors and registrations…")
    jobs, roles, interests = (
        _options("job_function"),
        _options("purchasing_role"),
        _options("interests"),
    )
    industries = set(_options("industry"))
    deciders = [r for r in roles if r in SENIOR_ROLES]
    others = [r for r in roles if r not in SENIOR_ROLES]
    junior_jobs = [j for j in jobs if j not in SENIOR_JOBS]
    per_edition = PER_EDITION * world.scale
    n_people = int(per_edition * len(world.shows) * 0.8)

    # People at visitor companies (built here): keener companies have more staff who come.
    # Companies that book a booth after visiting get a few more, so they can send a team.
    weights = [interest_weight(world, c.id, 0.6) for c in world.visitor_companies]
    staffing = rng.choices(world.visitor_companies, weights=weights, k=n_people)
    by_id = {c.id: c for c in world.visitor_companies}
    for booked in world.booked_after_visit.values():
        staffing.extend(by_id[cid] for cid in sorted(booked) for _ in range(SCOUT_STAFF))
    new_people: list[dict[str, Any]] = []
    for i, company in enumerate(staffing):
        first, last, full = person_name(rng, company.country or "BR")
        free_mail = rng.random() < 0.15
        domain = rng.choice(["gmail.com", "qq.com", "hotmail.com"]) if free_mail else company.domain
        new_people.append(
            {
                "first_name": first,
                "last_name": last,
                "full_name": full,
                "company_id": company.id,
                "email": f"{slug(first, rng)}.v{i}@{domain}".lower(),
                "phone": f"+55119{rng.randrange(10**7, 10**8)}" if rng.random() < 0.7 else None,
                "country": company.country,
                "title": rng.choice(
                    ["Engineer", "Buyer", "Manager", "Director", "采购经理", "工程师"]
                ),
                "other_contacts": {},
            }
        )
    if new_people:
        session.execute(insert(Person), new_people)
    visitor_ids = list(
        session.scalars(select(Person.id).where(Person.email.like("%.v%@%")).order_by(Person.id))
    )
    company_of = dict(session.execute(select(Person.id, Person.company_id)).tuples().all())
    industry_of = {c.id: c.industry for c in world.companies}
    staff: dict[int, list[int]] = defaultdict(list)  #: company id → its people, in id order
    for pid, cid in company_of.items():
        if cid is not None:
            staff[cid].append(pid)

    # Prospects: a fifth of the exhibitor pool sends visitors to the first editions.
    scouts = rng.sample(world.exhibitor_pool, max(1, len(world.exhibitor_pool) // 5))
    scout_people = [(pid, c.id) for c in scouts for pid in staff[c.id]]
    exhibited = _exhibited(session, world)

    past, current = world.shows[:-1], world.shows[-1]
    fresh = iter(rng.sample(visitor_ids, len(visitor_ids)))
    seen: list[int] = []
    registrations: list[dict[str, Any]] = []
    codes: set[str] = set()
    for index, show in enumerate([*past, current]):
        is_current = show is current
        target = per_edition // 4 if is_current else per_edition
        chosen: set[int] = set()
        if index < 2:
            chosen.update(pid for pid, _c in scout_people if rng.random() < 0.5)
        # Companies that book the next edition scout this one first, with a team whose size
        # grows with their interest; lapsed exhibitors that come back visit too (and some
        # lapsed ones that do not come back).
        booking = world.booked_after_visit.get(index + 1, set()) | world.won_back.get(
            index + 1, set()
        )
        for cid in sorted(booking):
            chance = _sigmoid(-0.6 + 0.5 * world.interest.get(cid, 0.0))
            team = 1 + sum(rng.random() < chance for _ in range(SCOUT_STAFF - 1))
            people = staff[cid]
            chosen.update(rng.sample(people, min(team, len(people))))
        earlier = set().union(*(exhibited[i] for i in range(index))) if index else set()
        for cid in sorted(earlier - exhibited[index] - booking):
            if staff[cid] and rng.random() < LAPSED_VISIT:
                chosen.add(rng.choice(staff[cid]))
        if seen:
            room = max(target - len(chosen), 0)
            chosen.update(rng.sample(seen, min(len(seen), int(target * RETURNING_SHARE), room)))
        for pid in fresh:
            if len(chosen) >= target:
                break
            chosen.add(pid)
        opened = datetime.combine(show.starts_on, time(9), tzinfo=UTC)
        for pid in sorted(chosen):
            cid = company_of.get(pid)
            industry = industry_of.get(cid) if cid is not None else None
            interest = world.interest.get(cid, 0.0) if cid is not None else 0.0
            # Keen companies send decision makers and buyers; a company about to book sends
            # them to look at the show first.
            z = interest + (SCOUTING_BOOST if cid in booking else 0.0)
            senior = rng.random() < _sigmoid(-1.2 + 0.6 * z)
            answers = {
                "industry": industry if industry in industries else "Other",
                "job_function": rng.choice(jobs if senior else junior_jobs),
                "purchasing_role": rng.choice(deciders if senior else others),
                "interests": rng.sample(interests, rng.randint(0, 3)),
            }
            code = None
            if is_current or rng.random() < 0.3:
                source = RegistrationSource.PREREGISTERED
                while code is None or code in codes:
                    code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                codes.add(code)
                at = opened - timedelta(days=rng.randint(1, 60))
                # Pre-registrations for an edition still ahead happened before today.
                at = min(at, datetime.now(UTC) - timedelta(minutes=rng.randint(60, 60 * 24 * 45)))
            else:
                source = rng.choice([RegistrationSource.KIOSK] * 4 + [RegistrationSource.IMPORT])
                at = opened + timedelta(
                    days=rng.randrange(len(show.days)), minutes=rng.randrange(480)
                )
            registrations.append(
                {
                    "show_id": show.id,
                    "person_id": pid,
                    "company_id": company_of.get(pid),
                    "category": rng.choices(list(VisitorCategory)[:3], weights=[85, 12, 3])[0],
                    "source": source,
                    "confirmation_code": code,
                    "answers": answers,
                    "industry": answers["industry"],
                    "job_function": answers["job_function"],
                    "purchasing_role": answers["purchasing_role"],
                    "consent_marketing": rng.random() < 0.6,
                    "consent_share": rng.random() < 0.75,
                    "checked_in_at": None if is_current else at,
                    "created_at": at,
                }
            )
        seen.extend(chosen - set(seen))
    session.execute(insert(Registration), registrations)

    wording = {
        kind: consent_wording(kind, "en")
        for kind in (ConsentKind.MARKETING, ConsentKind.SHARE_WITH_EXHIBITORS)
    }
    reg_rows = session.execute(
        select(
            Registration.id,
            Registration.person_id,
            Registration.consent_marketing,
            Registration.consent_share,
            Registration.created_at,
        )
    ).all()
    consents = []
    for rid, pid, marketing, share, at in reg_rows:
        for kind, granted in (
            (ConsentKind.MARKETING, marketing),
            (ConsentKind.SHARE_WITH_EXHIBITORS, share),
        ):
            consents.append(
                {
                    "person_id": pid,
                    "registration_id": rid,
                    "kind": kind,
                    "granted": granted,
                    "wording": wording[kind],
                    "language": "en",
                    "at": at,
                }
            )
    session.execute(insert(ConsentRecord), consents)
    session.flush()
    world.summary.update(visitors=len(new_people), registrations=len(registrations))
