"""Demo visitors: registrations across past editions, returning visitors, pre-registrations.

Bulk inserts keep scale 10 (tens of thousands of registrations) to well under a minute.
Some people of exhibitor-pool companies visit an early edition: the signal the after-show
prospect mining looks for (a visiting company that later exhibits).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from expo_crm.demo import World, _person_name, _slug
from expo_crm.directory.models import Person
from expo_crm.visitors.models import (
    ConsentKind,
    ConsentRecord,
    Registration,
    RegistrationSource,
    VisitorCategory,
)
from expo_crm.visitors.questionnaire import DEFAULT_QUESTIONS
from expo_crm.visitors.services import CODE_ALPHABET, CODE_LENGTH, consent_wording

#: Registrations per past edition at scale 1.
PER_EDITION = 1200
RETURNING_SHARE = 0.35


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
    per_edition = PER_EDITION * world.scale
    n_people = int(per_edition * len(world.shows) * 0.8)

    # People at visitor companies (built here), plus staff of some exhibitor-pool companies.
    new_people: list[dict[str, Any]] = []
    for i in range(n_people):
        company = rng.choice(world.visitor_companies)
        first, last, full = _person_name(rng, company.country or "BR")
        free_mail = rng.random() < 0.15
        domain = rng.choice(["gmail.com", "qq.com", "hotmail.com"]) if free_mail else company.domain
        new_people.append(
            {
                "first_name": first,
                "last_name": last,
                "full_name": full,
                "company_id": company.id,
                "email": f"{_slug(first, rng)}.v{i}@{domain}".lower(),
                "phone": f"+55119{rng.randrange(10**7, 10**8)}" if rng.random() < 0.7 else None,
                "country": company.country,
                "title": rng.choice(
                    ["Engineer", "Buyer", "Manager", "Director", "采购经理", "工程师"]
                ),
                "other_contacts": {},
            }
        )
    session.execute(insert(Person), new_people)
    visitor_ids = list(
        session.scalars(select(Person.id).where(Person.email.like("%.v%@%")).order_by(Person.id))
    )
    company_of = dict(session.execute(select(Person.id, Person.company_id)).tuples().all())
    industry_of = {c.id: c.industry for c in world.companies}

    # Prospects: a fifth of the exhibitor pool sends visitors to the first editions.
    scouts = rng.sample(world.exhibitor_pool, max(1, len(world.exhibitor_pool) // 5))
    scout_people = list(
        session.execute(
            select(Person.id, Person.company_id).where(
                Person.company_id.in_([c.id for c in scouts])
            )
        ).tuples()
    )
    company_of.update(dict(scout_people))

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
        if seen:
            chosen.update(rng.sample(seen, min(len(seen), int(target * RETURNING_SHARE))))
        for pid in fresh:
            if len(chosen) >= target:
                break
            chosen.add(pid)
        opened = datetime.combine(show.starts_on, time(9), tzinfo=UTC)
        for pid in chosen:
            industry = industry_of.get(company_of.get(pid))
            answers = {
                "industry": industry if industry in industries else "Other",
                "job_function": rng.choice(jobs),
                "purchasing_role": rng.choice(roles),
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
