"""Back-office pages and the public pre-registration page."""

from __future__ import annotations

from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.directory.models import Person
from expo_crm.visitors import registering
from expo_crm.visitors.models import DuplicateFlag, DuplicateStatus, Question, Registration

ANSWERS = {"industry": "Packaging", "job_function": "Engineering"}
FORM = {
    "name": "Maria Costa",
    "email": "Maria@Costa.example",
    "phone": "11 91234-5678",
    "company": "Costa Foods",
    "category": "trade",
    "industry": "Food processing",
    "job_function": "Purchasing",
    "interests": ["Machinery", "Software"],
    "consent_marketing": "y",
}


def test_preregistration_issues_a_code_and_qr_once(client, create_show, db):
    create_show("EXPO2026")
    assert client.get("/visitors/register/EXPO2026").status_code == 200
    done = client.post("/visitors/register/EXPO2026", data=FORM)
    assert done.status_code == 200
    reg = db.scalar(select(Registration))
    assert reg.confirmation_code in done.get_data(as_text=True)
    assert "<svg" in done.get_data(as_text=True)
    assert reg.answers["interests"] == ["Machinery", "Software"]
    assert reg.consent_marketing is True
    assert reg.consent_share is False
    again = client.post("/visitors/register/EXPO2026", data=FORM)
    assert reg.confirmation_code not in again.get_data(as_text=True)
    assert db.scalar(select(func.count(Person.id))) == 1


def test_preregistration_with_bad_answers_changes_nothing(client, create_show, db):
    create_show("EXPO2026")
    page = client.post("/visitors/register/EXPO2026", data={**FORM, "industry": "Spying"})
    assert "options offered" in page.get_data(as_text=True)
    missing = client.post("/visitors/register/EXPO2026", data={**FORM, "email": "nope"})
    assert missing.status_code == 200
    assert db.scalar(select(func.count(Person.id))) == 0
    assert client.get("/visitors/register/NOSHOW").status_code == 404


def test_registration_list_searches_filters_and_exports(as_role, create_show, db):
    show = create_show()
    registering.register_visitor(
        db, show, {"name": "Ana Silva", "emails": ["a@x.example"]}, ANSWERS
    )
    registering.register_visitor(
        db, show, {"name": "Bo Li", "emails": ["b@x.example"]}, ANSWERS, category="press"
    )
    client = as_role(Role.SALES)
    page = client.get("/visitors/?q=silva").get_data(as_text=True)
    assert "Ana Silva" in page
    assert "Bo Li" not in page
    page = client.get("/visitors/?category=press").get_data(as_text=True)
    assert "Bo Li" in page
    assert "Ana Silva" not in page
    csv = client.get("/visitors/?format=csv").get_data(as_text=True)
    assert csv.startswith("\ufeffname,email")  # BOM: Excel reads the UTF-8 names
    assert len(csv.splitlines()) == 3
    xlsx = client.get("/visitors/?format=xlsx")
    assert xlsx.data[:2] == b"PK"


def test_duplicate_review_merges(as_role, create_show, db):
    show = create_show()
    a = registering.register_visitor(
        db, show, {"name": "Ana Silva", "company": "Acme", "emails": ["a@acme.example"]}, ANSWERS
    )
    registering.register_visitor(
        db, show, {"name": "Ana Silva", "company": "Acme", "emails": ["ana@gmail.com"]}, ANSWERS
    )
    flag = db.scalar(select(DuplicateFlag))
    client = as_role(Role.ONSITE)
    assert "Ana Silva" in client.get("/visitors/duplicates").get_data(as_text=True)
    response = client.post(f"/visitors/duplicates/{flag.id}/merge", data={"keep_id": a.person_id})
    assert response.status_code == 302
    db.refresh(flag)
    assert flag.status is DuplicateStatus.MERGED
    assert db.scalar(select(func.count(Person.id)).where(Person.merged_into_id.is_(None))) == 1
    assert as_role(Role.FINANCE).get("/visitors/duplicates").status_code == 403


def test_organizer_customizes_and_edits_the_questionnaire(as_role, create_show, db):
    show = create_show()
    client = as_role(Role.SALES)
    assert "Your industry" in client.get("/visitors/questions").get_data(as_text=True)
    client.post("/visitors/questions/customize?show=" + show.code)
    industry = db.scalar(select(Question).where(Question.key == "industry"))
    form = {
        "key": "industry", "label_en": "Sector", "label_zh": "行业", "kind": "single",
        "options": "Dairy | 乳制品\nBakery", "position": "0", "required": "y", "active": "y",
    }  # fmt: skip
    saved = client.post(f"/visitors/questions/{industry.id}/edit", data=form)
    assert saved.status_code == 302
    db.refresh(industry)
    assert industry.label == {"en": "Sector", "zh_Hans_CN": "行业"}
    assert [o["value"] for o in industry.options] == ["Dairy", "Bakery"]
    bad = client.post(f"/visitors/questions/{industry.id}/edit", data={**form, "options": ""})
    assert "needs options" in bad.get_data(as_text=True)


def test_accuracy_page_and_person_panel(as_role, create_show, db):
    show = create_show()
    reg = registering.register_visitor(db, show, {"name": "Ana Silva"}, ANSWERS)
    client = as_role(Role.SALES)
    page = client.get("/visitors/accuracy").get_data(as_text=True)
    assert ">Emails<" in page
    person_page = client.get(f"/people/{reg.person_id}").get_data(as_text=True)
    assert show.name in person_page
