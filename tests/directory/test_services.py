from __future__ import annotations

import pytest
from sqlalchemy import select

from expo_crm.auth.roles import Role
from expo_crm.directory import services
from expo_crm.directory.models import ChangeRecord, Company, Person
from expo_crm.directory.normalize import (
    domain_of,
    normalize_company_name,
    normalize_email,
    normalize_phone,
)
from expo_crm.errors import Conflict, ValidationError


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME Robotics GmbH", "acme robotics"),
        ("Acme  Robotics, Inc.", "acme robotics"),
        ("Eletrônica ADACHI Ltda.", "eletronica adachi"),
        ("Smith & Sons Ltd", "smith and sons"),
        ("华夏机械有限公司", "华夏机械"),
        ("株式会社 東京精工", "東京精工"),
        ("Ltd", "ltd"),
    ],
)
def test_company_names_normalize_to_one_key(name: str, key: str) -> None:
    assert normalize_company_name(name) == key


def test_email_phone_and_domain_normalization() -> None:
    assert normalize_email(" Ana.Silva@ACME.com ") == "ana.silva@acme.com"
    assert normalize_phone("(11) 2294-9484", "BR") == "+551122949484"
    assert normalize_phone("+49 30 1234567") == "+49301234567"
    assert domain_of("https://www.Acme.com/contact") == "acme.com"
    assert domain_of("ana@sub.acme.com") == "sub.acme.com"
    with pytest.raises(ValidationError, match="not a valid email"):
        normalize_email("ana at acme")
    with pytest.raises(ValidationError, match="phone"):
        normalize_phone("12", "BR")


def test_update_keeps_history_with_old_and_new_values(db, create_user) -> None:
    user = create_user(Role.SALES)
    company = services.create_company(db, user, name="Orion Packaging", country="BR")
    changes = services.update_company(db, company, user, country="DE", industry="Packaging")
    assert changes == {"country": ["BR", "DE"], "industry": [None, "Packaging"]}
    assert services.update_company(db, company, user, country="DE") == {}
    history = services.history(db, "company", company.id)
    assert [h.action for h in history] == ["updated", "created"]
    assert history[0].user_id == user.id
    assert history[0].changes["country"] == ["BR", "DE"]


def test_blank_company_name_is_refused(db) -> None:
    with pytest.raises(ValidationError, match="needs a name"):
        services.create_company(db, None, name="   ")
    assert db.scalar(select(Company).where(Company.name == "")) is None


def test_find_or_create_matches_by_domain_then_name(db) -> None:
    first = services.find_or_create_company(db, "Vertex Systems GmbH", domain="vertex.de")
    assert services.find_or_create_company(db, "VERTEX SYSTEMS", domain=None) is first
    assert services.find_or_create_company(db, "Other name", domain="www.vertex.de") is first
    free_mail = services.find_or_create_company(db, "Gmail user co", domain="gmail.com")
    assert free_mail is not first
    assert free_mail.domain is None


def test_merge_moves_every_reference_and_keeps_a_tombstone(db, create_user) -> None:
    user = create_user(Role.SALES)
    keep = services.create_company(db, user, name="Atlas Print", country="BR")
    dup = services.create_company(db, user, name="Atlas Print Ltda", website="https://atlas.br")
    person = services.create_person(db, user, full_name="Ana Silva", company_id=dup.id)
    scanner = create_user(Role.SCANNER, company_id=dup.id)
    moved = services.merge_companies(db, keep, dup, user)
    assert "people.company_id" in moved
    assert "users.company_id" in moved
    assert db.get(Person, person.id).company_id == keep.id
    assert db.get(type(scanner), scanner.id).company_id == keep.id
    assert keep.website == "https://atlas.br"  # empty fields filled from the duplicate
    assert db.get(Company, dup.id).merged_into_id == keep.id
    assert services.get_company(db, dup.id).id == keep.id  # old links resolve
    assert services.company_query("atlas").whereclause is not None
    listed = db.scalars(services.company_query("atlas")).all()
    assert [c.id for c in listed] == [keep.id]
    with pytest.raises(Conflict):
        services.merge_companies(db, keep, db.get(Company, dup.id), user)


def test_merge_people_frees_the_unique_email(db) -> None:
    keep = services.create_person(db, None, full_name="Wang Wei", email="wang@huaxia.cn")
    dup = services.create_person(
        db, None, full_name="王伟", email="wei.wang@gmail.com", title="销售经理"
    )
    services.merge_people(db, keep, dup, None)
    assert keep.title == "销售经理"
    assert keep.other_contacts["emails"] == ["wei.wang@gmail.com"]
    assert db.get(Person, dup.id).email is None
    records = db.scalars(select(ChangeRecord).where(ChangeRecord.action == "merged")).all()
    assert len(records) == 1


def test_person_email_must_be_unique_and_valid(db) -> None:
    services.create_person(db, None, full_name="A", email="a@acme.com")
    with pytest.raises(ValidationError, match="already belongs"):
        services.create_person(db, None, full_name="B", email="A@ACME.com")
    with pytest.raises(ValidationError, match="valid email"):
        services.create_person(db, None, full_name="C", email="not-an-email")


def test_duplicate_candidates_rank_similar_names(db) -> None:
    target = services.create_company(db, None, name="Nordic Plastics AB")
    services.create_company(db, None, name="Nordic Plastic")
    services.create_company(db, None, name="Nordic Foods")
    services.create_company(db, None, name="Quantum Energy")
    found = [(c.name, score) for c, score in services.duplicate_candidates(db, target)]
    assert found[0][0] == "Nordic Plastic"
    assert all(name != "Quantum Energy" for name, _ in found)
