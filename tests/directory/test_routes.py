from __future__ import annotations

from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.directory.models import Company, Person


def test_search_finds_chinese_and_latin_names(as_role, create_company) -> None:
    create_company("华夏机械有限公司", country="CN")
    create_company("Helix Foods S.A.", domain="helix.com")
    client = as_role(Role.SALES)
    assert "华夏机械有限公司" in client.get("/companies?q=华夏").text
    page = client.get("/companies?q=helix.com").text
    assert "Helix Foods" in page
    assert "华夏" not in page


def test_company_create_edit_and_history_page(as_role, db) -> None:
    client = as_role(Role.SALES)
    response = client.post(
        "/companies/new",
        data={"name": "Polaris Energy", "country": "br", "activity": "manufacturer"},
    )
    assert response.status_code == 302
    company = db.scalar(select(Company).where(Company.name == "Polaris Energy"))
    assert company.country == "BR"
    client.post(
        f"/companies/{company.id}/edit",
        data={"name": "Polaris Energy", "country": "DE", "activity": "manufacturer"},
    )
    page = client.get(f"/companies/{company.id}").text
    assert "Edit history" in page
    assert "<del>BR</del>" in page


def test_invalid_company_form_changes_nothing(as_role, db) -> None:
    before = db.scalar(select(func.count(Company.id)))
    response = as_role(Role.SALES).post("/companies/new", data={"name": "", "country": "BRA"})
    assert response.status_code == 200
    assert "This field is required" in response.text
    assert db.scalar(select(func.count(Company.id))) == before


def test_duplicate_contact_email_is_reported_on_the_form(
    as_role, create_company, create_person, db
) -> None:
    company = create_company("Summit Print")
    create_person("Ana", email="ana@summit.com")
    client = as_role(Role.SALES)
    response = client.post(
        f"/companies/{company.id}/people/new",
        data={"full_name": "Ana Two", "email": "ANA@summit.com"},
    )
    assert "already belongs" in response.text
    assert db.scalar(select(func.count(Person.id)).where(Person.full_name == "Ana Two")) == 0


def test_merge_page_lists_candidates_and_merges(as_role, create_company, db) -> None:
    keep = create_company("Falcon Logistics")
    dup = create_company("Falcon Logistic Ltd")
    client = as_role(Role.SALES)
    assert "Falcon Logistic Ltd" in client.get(f"/companies/{keep.id}/merge").text
    client.post(f"/companies/{keep.id}/merge", data={"duplicate_id": dup.id})
    assert db.get(Company, dup.id).merged_into_id == keep.id
    assert client.get(f"/companies/{dup.id}").status_code == 302


def test_unknown_company_is_404(as_role) -> None:
    assert as_role(Role.SALES).get("/companies/999999").status_code == 404
