"""register_visitor: dedupe by email, phone and confirmation code; consents; near-duplicates."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from expo_crm.directory.models import Company, Person
from expo_crm.errors import ValidationError
from expo_crm.visitors import services
from expo_crm.visitors.models import (
    ConsentKind,
    ConsentRecord,
    DuplicateFlag,
    DuplicateStatus,
    Registration,
    RegistrationSource,
)
from expo_crm.visitors.questionnaire import customize

ANSWERS = {"industry": "Packaging", "job_function": "Engineering"}


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def card(**overrides):
    fields = {
        "name": "Ana Silva",
        "title": "Buyer",
        "company": "Acme Packaging Ltda.",
        "emails": ["Ana.Silva@Acme-Pack.example"],
        "phones": ["(11) 98765-4321"],
        "website": "www.acme-pack.example",
    }
    fields.update(overrides)
    return fields


def test_new_visitor_gets_person_company_registration_and_consents(db, create_show, create_user):
    show = create_show()
    kiosk = create_user()
    reg = services.register_visitor(
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
    first = services.register_visitor(db, old, card(title="Buyer"), ANSWERS)
    second = services.register_visitor(
        db, new, card(title="Head of Purchasing", phones=[]), ANSWERS
    )
    assert second.person_id == first.person_id
    assert not second.is_new_person
    assert second.person.title == "Head of Purchasing"
    assert count(db, Person) == 1
    assert services.is_returning(db, second.person, new)
    assert not services.is_returning(db, first.person, old)
    assert services.visitor_profile(db, second.person)["editions"] == ["EXPO2026", "EXPO2025"]


def test_returning_visitor_is_matched_by_phone_in_another_format(db, create_show):
    show = create_show()
    first = services.register_visitor(db, show, card(emails=[]), ANSWERS)
    again = services.register_visitor(
        db, show, card(emails=["ana@gmail.com"], phones=["+55 11 98765 4321"]), ANSWERS
    )
    assert again.id == first.id  # same person, same edition: one registration
    assert again.person.email == "ana@gmail.com"  # blank filled from the new card
    assert count(db, Person) == 1
    assert count(db, Registration) == 1


def test_confirmation_code_of_a_preregistration_is_recognised(db, create_show):
    show = create_show()
    pre = services.register_visitor(
        db, show, card(), ANSWERS, {"marketing": False}, RegistrationSource.PREREGISTERED
    )
    code = pre.confirmation_code
    assert code
    assert len(code) == 8
    assert pre.issued_code
    at_kiosk = services.register_visitor(
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
        services.register_visitor(db, show, card(), ANSWERS, confirmation_code="NOPE1234")
    assert err.value.field == "confirmation_code"
    assert count(db, Person) == 0


def test_near_duplicate_is_flagged_and_can_be_merged(db, create_show, create_user):
    show = create_show()
    staff = create_user()
    a = services.register_visitor(db, show, card(), ANSWERS)
    b = services.register_visitor(
        db, show, card(name="ana  SILVA", emails=["ana@private.example"], phones=[]), ANSWERS
    )
    assert b.person_id != a.person_id
    flag = db.scalar(select(DuplicateFlag))
    assert (flag.person_id, flag.other_person_id) == (b.person_id, a.person_id)
    services.resolve_duplicate(db, flag, staff, merge=True)
    assert flag.status is DuplicateStatus.MERGED
    survivors = db.scalars(select(Person).where(Person.merged_into_id.is_(None))).all()
    assert [p.id for p in survivors] == [a.person_id]
    # one registration per person and edition survives the merge
    assert db.scalars(select(Registration.person_id)).all() == [a.person_id]
    with pytest.raises(Exception, match="already resolved"):
        services.resolve_duplicate(db, flag, staff, merge=False)


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
        services.register_visitor(db, show, fields, answers)
    assert err.value.field == field
    assert count(db, Person) == count(db, Registration) == count(db, Company) == 0


def test_edited_questionnaire_is_what_is_validated(db, create_show):
    show = create_show()
    questions = customize(db, show)
    industry = next(q for q in questions if q.key == "industry")
    industry.options = [{"value": "Astrology", "label": {"en": "Astrology"}}]
    db.flush()
    reg = services.register_visitor(db, show, card(), {**ANSWERS, "industry": "Astrology"})
    assert reg.industry == "Astrology"


def test_accuracy_counts_corrections_per_field(db, create_show, app):
    show = create_show()

    class Reading:
        raw_text = "x"
        timings = {"total": 0.5}

        def __init__(self, **kw):
            self.name, self.title, self.company = kw["name"], None, "Acme"
            self.emails, self.phones = kw["emails"], []
            self.website = self.address = None
            self.confidence = {"name": 0.9, "company": 0.3, "emails": 0.95}

    for i, (read_name, real_name) in enumerate([("Ana Siva", "Ana Silva"), ("Bo Li", "Bo Li")]):
        reading = Reading(name=read_name, emails=[f"p{i}@acme.example"])
        capture = services.store_capture(
            db, show, f"image {i}".encode(), reading, media_dir=app.config["MEDIA_DIR"]
        )
        assert capture.uncertain  # company read with low confidence
        reg = services.register_visitor(
            db, show, {"name": real_name, "company": "Acme", "emails": reading.emails}, ANSWERS
        )
        services.confirm_capture(
            db,
            capture,
            reg,
            services.clean_contact(
                {"name": real_name, "company": "Acme", "emails": reading.emails}, "BR"
            ),
        )
    by_field = {a.field: a for a in services.capture_accuracy(db, show)}
    assert by_field["name"].confirmed == 2
    assert by_field["name"].corrected == 1
    assert by_field["name"].wrong == 1
    assert by_field["name"].correction_rate == 0.5
    assert by_field["emails"].corrected == 0
    assert by_field["company"].corrected == 0


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
                reg = services.register_visitor(session, race_show, fields, ANSWERS)
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


@pytest.mark.parametrize(
    ("second", "flagged"),
    [
        # no company typed, but a work email at the same company's domain: flagged
        ({"name": "Ána Silva", "emails": ["a.silva@acme-pack.example"], "company": None,
          "website": None, "phones": []}, "email domain (acme-pack.example)"),
        # a company typed that is another record, work email at the first one's domain
        ({"name": "ANA SILVA", "emails": ["asilva@acme-pack.example"],
          "company": "Silva Consulting", "website": "www.silva-consult.example", "phones": []},
         "email domain (acme-pack.example)"),
        # the same company: flagged as before
        ({"name": "ana silva", "emails": ["ana@private.example"], "phones": []}, "company"),
        # a free-mail address says nothing about the employer
        ({"name": "Ana Silva", "emails": ["ana.silva@gmail.com"], "company": None, "website": None,
          "phones": []}, None),
        # someone else at the same domain
        ({"name": "Bruno Costa", "emails": ["bruno@acme-pack.example"], "company": None,
          "website": None, "phones": []}, None),
    ],
)  # fmt: skip
def test_near_duplicate_by_name_and_company_email_domain(db, create_show, second, flagged):
    show = create_show()
    first = services.register_visitor(db, show, card(), ANSWERS)
    new = services.register_visitor(db, show, card(**second), ANSWERS)
    assert new.person_id != first.person_id
    flags = db.scalars(select(DuplicateFlag)).all()
    if flagged is None:
        assert flags == []
    else:
        assert [(f.person_id, f.other_person_id) for f in flags] == [
            (new.person_id, first.person_id)
        ]
        assert flagged in flags[0].reason
