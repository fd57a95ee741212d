"""register_visitor: dedupe by email, phone and confirmation code; consents."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from expo_crm.directory.models import Company, Person
from expo_crm.errors import ValidationError
from expo_crm.visitors import registering, registrations
from expo_crm.visitors.models import (
    ConsentKind,
    ConsentRecord,
    Registration,
    RegistrationSource,
)
from expo_crm.visitors.questionnaire import customize
from tests.visitors.factories import ANSWERS, card, count


def test_new_visitor_gets_person_company_registration_and_consents(db, create_show, create_user):
    show = create_show()
    kiosk = create_user()
    reg = registering.register_visitor(
        db,
        show,
        card(),
        ANSWERS,
        {"marketing": True, "share": False},
        RegistrationSource.KIOSK,
        kiosk,
        language="zh_Hans_CN",
    )
    person = reg.person
    assert reg.is_new_person
    assert person.email == "ana.silva@acme-pack.example"
    assert person.phone == "+5511987654321"  # normalized with the show's phone region
    assert reg.company.name == "Acme Packaging Ltda."
    assert reg.company.domain == "acme-pack.example"
    assert reg.industry == "Packaging"
    assert reg.job_function == "Engineering"
    assert reg.consent_marketing is True
    assert reg.consent_share is False
    records = db.scalars(select(ConsentRecord).order_by(ConsentRecord.kind)).all()
    assert {(r.kind, r.granted, r.language) for r in records} == {
        (ConsentKind.MARKETING, True, "zh_Hans_CN"),
        (ConsentKind.SHARE_WITH_EXHIBITORS, False, "zh_Hans_CN"),
    }
    assert all("我同意" in r.wording for r in records)  # the wording shown, in Chinese


def test_returning_visitor_is_matched_by_email_and_updated_not_duplicated(db, create_show):
    old, new = create_show("EXPO2025", 2025), create_show("EXPO2026", 2026)
    first = registering.register_visitor(db, old, card(title="Buyer"), ANSWERS)
    second = registering.register_visitor(
        db, new, card(title="Head of Purchasing", phones=[]), ANSWERS
    )
    assert second.person_id == first.person_id
    assert not second.is_new_person
    assert second.person.title == "Head of Purchasing"
    assert count(db, Person) == 1
    assert registrations.is_returning(db, second.person, new)
    assert not registrations.is_returning(db, first.person, old)
    assert registrations.visitor_profile(db, second.person)["editions"] == ["EXPO2026", "EXPO2025"]


def test_returning_visitor_is_matched_by_phone_in_another_format(db, create_show):
    show = create_show()
    first = registering.register_visitor(db, show, card(emails=[]), ANSWERS)
    again = registering.register_visitor(
        db, show, card(emails=["ana@gmail.com"], phones=["+55 11 98765 4321"]), ANSWERS
    )
    assert again.id == first.id  # same person, same edition: one registration
    assert again.person.email == "ana@gmail.com"  # blank filled from the new card
    assert count(db, Person) == 1
    assert count(db, Registration) == 1


def test_confirmation_code_of_a_preregistration_is_recognised(db, create_show):
    show = create_show()
    pre = registering.register_visitor(
        db, show, card(), ANSWERS, {"marketing": False}, RegistrationSource.PREREGISTERED
    )
    code = pre.confirmation_code
    assert code
    assert len(code) == 8
    assert pre.issued_code
    at_kiosk = registering.register_visitor(
        db,
        show,
        {"name": "Ana S.", "emails": ["other@else.example"]},
        ANSWERS,
        {"marketing": True},
        confirmation_code=code.lower(),
    )
    assert at_kiosk.id == pre.id
    assert at_kiosk.source is RegistrationSource.PREREGISTERED
    assert at_kiosk.consent_marketing is True
    assert count(db, Person) == 1
    assert "other@else.example" in at_kiosk.person.other_contacts["emails"]


def test_unknown_confirmation_code_is_refused(db, create_show):
    show = create_show()
    with pytest.raises(ValidationError) as err:
        registering.register_visitor(db, show, card(), ANSWERS, confirmation_code="NOPE1234")
    assert err.value.field == "confirmation_code"
    assert count(db, Person) == 0


@pytest.mark.parametrize(
    ("fields", "answers", "field"),
    [
        ({"name": " "}, ANSWERS, "name"),
        (card(emails=["not-an-email"]), ANSWERS, "emails"),
        (card(phones=["12"]), ANSWERS, "phones"),
        (card(), {"industry": "Astrology", "job_function": "Engineering"}, "industry"),
        (card(), {"job_function": "Engineering"}, "industry"),  # required
        (card(), {**ANSWERS, "shoe_size": "42"}, "shoe_size"),
    ],
)
def test_bad_input_changes_nothing(db, create_show, fields, answers, field):
    show = create_show()
    with pytest.raises(ValidationError) as err:
        registering.register_visitor(db, show, fields, answers)
    assert err.value.field == field
    assert count(db, Person) == count(db, Registration) == count(db, Company) == 0


def test_edited_questionnaire_is_what_is_validated(db, create_show):
    show = create_show()
    questions = customize(db, show)
    industry = next(q for q in questions if q.key == "industry")
    industry.options = [{"value": "Astrology", "label": {"en": "Astrology"}}]
    db.flush()
    reg = registering.register_visitor(db, show, card(), {**ANSWERS, "industry": "Astrology"})
    assert reg.industry == "Astrology"


@pytest.mark.postgres
def test_two_kiosks_registering_the_same_person_at_once_yield_one_person(app, committed_db):
    """Each thread is a kiosk with its own session and connection, committing for real."""
    from datetime import date

    from sqlalchemy.orm import Session as PlainSession

    from expo_crm.shows.models import Show

    engine = committed_db.engine
    with PlainSession(engine) as session:
        show = Show(
            code="RACE2026", name="Race", year=2026, venue="V", city="C", country="BR",
            starts_on=date(2026, 10, 6), ends_on=date(2026, 10, 9),
            currency="BRL", phone_region="BR",
        )  # fmt: skip
        session.add(show)
        session.commit()
        show_id = show.id

    def kiosk(fields, results, barrier):
        with app.app_context(), PlainSession(engine) as session:
            race_show = session.get(Show, show_id)
            barrier.wait()
            try:
                reg = registering.register_visitor(session, race_show, fields, ANSWERS)
                session.commit()
                results.append(reg.person_id)
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                results.append(exc)

    for fields in (card(), card(emails=[], phones=["+55 11 91234-5678"], name="Phone Only")):
        results: list = []
        barrier = threading.Barrier(4)
        threads = [
            threading.Thread(target=kiosk, args=(fields, results, barrier)) for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 4
        assert all(isinstance(r, int) for r in results), results
        assert len(set(results)) == 1
    with PlainSession(engine) as s:
        assert s.scalar(select(func.count(Person.id))) == 2
        assert s.scalar(select(func.count(Registration.id))) == 2
        assert s.scalar(select(func.count(Company.id))) == 1
