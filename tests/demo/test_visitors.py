"""The visitors demo seeder keeps what it promises (see expo_crm/demo/visitors.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from expo_crm import demo
from expo_crm.demo import visitors as visitors_demo
from expo_crm.directory.models import Person
from expo_crm.exhibitors.models import Contract, ContractStatus
from expo_crm.shows.models import Show
from expo_crm.visitors.models import ConsentKind, ConsentRecord, Registration, RegistrationSource


@pytest.mark.slow
def test_demo_visitors_keep_the_promised_shape(db) -> None:
    demo.build(db, scale=1, seed=11, progress=lambda _m: None, today=date(2026, 11, 23))
    shows = db.scalars(select(Show).where(Show.year >= 2024).order_by(Show.starts_on)).all()
    regs = db.execute(
        select(Registration.show_id, Registration.person_id, Registration.company_id)
    ).all()
    by_show: dict[int, set[int]] = defaultdict(set)
    for show_id, person_id, _company in regs:
        by_show[show_id].add(person_id)

    # Sizes: a full edition per past year, a quarter of one pre-registered so far.
    per_edition = visitors_demo.PER_EDITION
    for show in shows[:-1]:
        assert len(by_show[show.id]) == per_edition
    assert len(by_show[shows[-1].id]) == per_edition // 4

    # Returning visitors: about RETURNING_SHARE of every edition after the first.
    seen: set[int] = set()
    for index, show in enumerate(shows):
        people = by_show[show.id]
        share = len(people & seen) / len(people)
        if index == 0:
            assert share == 0
        else:
            assert (
                visitors_demo.RETURNING_SHARE - 0.03
                <= share
                <= visitors_demo.RETURNING_SHARE + 0.12
            )
        seen |= people

    # Prospects: exhibitor-pool companies send visitors before they first exhibit.
    year_of = {s.id: s.year for s in shows}
    first_exhibited: dict[int, int] = {}
    for company_id, show_id in db.execute(
        select(Contract.company_id, Contract.show_id).where(
            Contract.status != ContractStatus.CANCELLED
        )
    ):
        year = year_of[show_id]
        first_exhibited[company_id] = min(year, first_exhibited.get(company_id, year))
    visited_first = {
        company
        for show_id, _person, company in regs
        if company in first_exhibited and year_of[show_id] < first_exhibited[company]
    }
    assert len(visited_first) >= 5

    # Consents: both kinds recorded per registration, as the registration says, with wording.
    consent_rows = db.execute(
        select(
            ConsentRecord.kind, ConsentRecord.granted, ConsentRecord.wording,
            Registration.consent_marketing, Registration.consent_share,
        ).join(Registration, ConsentRecord.registration_id == Registration.id)
    ).all()  # fmt: skip
    assert len(consent_rows) == 2 * len(regs)
    for kind, granted, wording, marketing, share in consent_rows:
        assert granted == (marketing if kind is ConsentKind.MARKETING else share)
        assert "agree" in wording
    granted_share = sum(1 for row in consent_rows if row.granted) / len(consent_rows)
    assert 0.5 < granted_share < 0.85  # a realistic mix, not all yes or all no

    # One person per email, emails normalized; pre-registrations carry unique codes.
    emails = db.scalars(select(Person.email).where(Person.email.is_not(None))).all()
    assert len(emails) == len(set(emails))
    assert all(e == e.strip().lower() for e in emails)
    codes = db.scalars(
        select(Registration.confirmation_code).where(
            Registration.source == RegistrationSource.PREREGISTERED
        )
    ).all()
    assert all(codes)
    assert len(codes) == len(set(codes))
    assert (
        db.scalar(
            select(func.count(Registration.id)).where(
                Registration.show_id == shows[-1].id,
                Registration.source != RegistrationSource.PREREGISTERED,
            )
        )
        == 0
    )  # the coming edition has only online pre-registrations so far
