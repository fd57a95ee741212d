"""/api/v1 visitors endpoints: search, one registration, register (with dedupe), accuracy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.directory.models import Company, Person
from expo_crm.visitors import contacts, registering
from expo_crm.visitors.models import (
    CaptureSource,
    CardCapture,
    ConsentRecord,
    Registration,
    RegistrationSource,
)

ANSWERS = {"industry": "Packaging", "job_function": "Engineering"}
BODY = {
    "name": "Ana Silva",
    "company": "Acme Packaging",
    "emails": ["Ana@Acme-Pack.example"],
    "phones": ["11 98765 4321"],
    "answers": ANSWERS,
    "consents": {"marketing": True},
}


@pytest.fixture
def api(client, create_user, db):
    tokens: dict[Role, str] = {}

    def call(role: Role, method: str, url: str, **kwargs):
        if role not in tokens:
            tokens[role] = issue_token(db, create_user(role), "test")
        headers = {"Authorization": f"Bearer {tokens[role]}", **kwargs.pop("headers", {})}
        return client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)

    return call


def counts(db):
    return tuple(
        db.scalar(select(func.count()).select_from(m))
        for m in (Person, Company, Registration, ConsentRecord)
    )


def test_onsite_registers_and_the_same_person_is_never_duplicated(api, create_show, db):
    show = create_show()
    first = api(Role.ONSITE, "POST", f"/shows/{show.code}/registrations", json=BODY)
    assert first.status_code == 201, first.json
    assert first.json["returning"] is False
    reg = db.get(Registration, first.json["registration_id"])
    assert reg.source is RegistrationSource.ONSITE_DESK
    assert reg.person.email == "ana@acme-pack.example"
    assert reg.person.phone == "+5511987654321"
    assert reg.industry == "Packaging"
    assert reg.consent_marketing is True
    # the same person again, found by phone only: same person, same registration
    again = api(
        Role.KIOSK, "POST", f"/shows/{show.code}/registrations",
        json={"name": "Ana S.", "phones": ["+55 11 98765-4321"], "answers": ANSWERS},
    )  # fmt: skip
    assert again.status_code == 201, again.json
    assert again.json["returning"] is True
    assert again.json["person_id"] == first.json["person_id"]
    assert again.json["registration_id"] == first.json["registration_id"]
    assert db.scalar(select(func.count(Person.id))) == 1
    assert db.scalar(select(func.count(Registration.id))) == 1


def test_kiosk_registration_is_a_kiosk_source_and_honours_a_confirmation_code(api, create_show, db):
    show = create_show()
    pre = registering.register_visitor(
        db, show, {"name": "Li Wei", "emails": ["li@wei.example"]}, ANSWERS, {},
        RegistrationSource.PREREGISTERED,
    )  # fmt: skip
    body = {
        "name": "Li Wei",
        "confirmation_code": pre.confirmation_code.lower(),
        "answers": ANSWERS,
    }
    done = api(Role.KIOSK, "POST", f"/shows/{show.code}/registrations", json=body)
    assert done.status_code == 201, done.json
    assert done.json["registration_id"] == pre.id
    assert set(done.json) == {"registration_id", "person_id", "name", "category", "returning"}

    new = api(
        Role.KIOSK, "POST", f"/shows/{show.code}/registrations",
        json={**BODY, "emails": ["new@visitor.example"], "phones": []},
    )  # fmt: skip
    assert db.get(Registration, new.json["registration_id"]).source is RegistrationSource.KIOSK


@pytest.mark.parametrize(
    ("body", "content_type", "message", "field"),
    [
        (b'{"name": "Ana', "application/json", "not valid JSON", None),
        (b"name=Ana", "application/x-www-form-urlencoded", "as JSON", "body"),
        (b"[]", "application/json", "invalid fields", "body"),
        (b'{"name": ""}', "application/json", "invalid fields", "name"),
        (b'{"name": "Ana", "surprise": 1}', "application/json", "invalid fields", "surprise"),
        (b'{"name": "Ana", "category": "alien"}', "application/json", "invalid", "category"),
        (b'{"name": "Ana", "emails": "a@b.example"}', "application/json", "invalid", "emails"),
        (b'{"name": "Ana", "consents": {"spam": true}}', "application/json", "invalid",
         "consents.spam"),
        (b'{"name": "Ana", "country": "Brazil"}', "application/json", "invalid", "country"),
        (b'{"name": "Ana", "emails": ["not-an-email"], "answers": {"industry": "Packaging",'
         b' "job_function": "Engineering"}}', "application/json", "not a valid email", "emails"),
        (b'{"name": "Ana", "emails": ["a@b.example"]}', "application/json", "answer", "industry"),
        (b'{"name": "Ana", "emails": ["a@b.example"], "answers": {"industry": "Packaging",'
         b' "job_function": "Engineering", "shoe_size": "42"}}', "application/json", "Unknown",
         "shoe_size"),
        (b'{"name": "Ana", "language": "xx", "answers": {"industry": "Packaging",'
         b' "job_function": "Engineering"}}', "application/json", "language", "language"),
        (b'{"name": "Ana", "company": "Ghost Corp", "confirmation_code": "ZZZZ2345", "answers":'
         b' {"industry": "Packaging", "job_function": "Engineering"}}', "application/json",
         "not known", "confirmation_code"),
    ],
)  # fmt: skip
def test_malformed_registration_is_refused_with_field_errors_and_changes_nothing(
    api, create_show, db, body, content_type, message, field
):
    show = create_show()
    before = counts(db)
    response = api(
        Role.ONSITE, "POST", f"/shows/{show.code}/registrations",
        data=body, headers={"Content-Type": content_type},
    )  # fmt: skip
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert message in error["message"] or message in str(error.get("fields"))
    if field:
        assert field in error["fields"], error
    assert counts(db) == before


def test_kiosk_may_not_register_vips_or_exhibitor_staff(api, create_show, db):
    show = create_show()
    body = {**BODY, "category": "vip"}
    response = api(Role.KIOSK, "POST", f"/shows/{show.code}/registrations", json=body)
    assert response.status_code == 422
    assert "category" in response.json["error"]["fields"]
    assert counts(db) == (0, 0, 0, 0)
    staff = api(Role.ONSITE, "POST", f"/shows/{show.code}/registrations", json=body)
    assert staff.status_code == 201
    assert staff.json["category"] == "vip"


def test_unknown_show_is_404(api):
    assert api(Role.ONSITE, "POST", "/shows/NOPE/registrations", json=BODY).status_code == 404
    assert api(Role.SALES, "GET", "/shows/NOPE/registrations").status_code == 404


def _register(db, show, name, email, **fields):
    return registering.register_visitor(
        db, show, {"name": name, "emails": [email], **fields}, ANSWERS, {"share": True},
        RegistrationSource.KIOSK,
    )  # fmt: skip


def test_search_and_read_registrations(api, create_show, db):
    show = create_show()
    other = create_show(code="EXPO2025", year=2025)
    ana = _register(db, show, "Ana Silva", "ana@acme.example", company="Acme Packaging")
    _register(db, show, "Bruno Costa", "bruno@beta.example", company="Beta Foods")
    _register(db, other, "Carla Dias", "carla@gamma.example")
    listed = api(Role.SALES, "GET", f"/shows/{show.code.lower()}/registrations")
    assert listed.status_code == 200
    assert listed.json["total"] == 2
    assert {r["name"] for r in listed.json["items"]} == {"Ana Silva", "Bruno Costa"}
    found = api(Role.ONSITE, "GET", f"/shows/{show.code}/registrations?q=acme").json
    assert [r["name"] for r in found["items"]] == ["Ana Silva"]
    assert found["items"][0]["company"] == "Acme Packaging"
    paged = api(Role.SALES, "GET", f"/shows/{show.code}/registrations?per_page=1&page=2").json
    assert (paged["pages"], len(paged["items"])) == (2, 1)
    past_the_end = api(Role.SALES, "GET", f"/shows/{show.code}/registrations?page=9").json
    assert (past_the_end["items"], past_the_end["total"], past_the_end["page"]) == ([], 2, 9)
    one = api(Role.SALES, "GET", f"/registrations/{ana.id}")
    assert one.status_code == 200
    assert one.json["email"] == "ana@acme.example"
    assert one.json["answers"]["industry"] == "Packaging"
    assert one.json["consent_share"] is True
    assert "confirmation_code" not in one.json
    assert api(Role.SALES, "GET", "/registrations/999999").status_code == 404


@pytest.mark.parametrize(
    "query", ["category=alien", "source=fax", "page=0", "per_page=100000", "q=" + "x" * 300]
)
def test_bad_search_parameters_are_422(api, create_show, query):
    show = create_show()
    response = api(Role.SALES, "GET", f"/shows/{show.code}/registrations?{query}")
    assert response.status_code == 422
    assert response.json["error"]["fields"]


@pytest.mark.parametrize(
    ("role", "method", "url", "allowed"),
    [
        (Role.FINANCE, "GET", "/shows/EXPO2026/registrations", False),
        (Role.KIOSK, "GET", "/shows/EXPO2026/registrations", False),
        (Role.SCANNER, "GET", "/shows/EXPO2026/registrations", False),
        (Role.ONSITE, "GET", "/shows/EXPO2026/registrations", True),
        (Role.FINANCE, "GET", "/registrations/{id}", False),
        (Role.KIOSK, "GET", "/registrations/{id}", False),
        (Role.ONSITE, "GET", "/registrations/{id}", True),
        (Role.SALES, "POST", "/shows/EXPO2026/registrations", False),
        (Role.FINANCE, "POST", "/shows/EXPO2026/registrations", False),
        (Role.SCANNER, "POST", "/shows/EXPO2026/registrations", False),
        (Role.ONSITE, "GET", "/shows/EXPO2026/capture-accuracy", False),
        (Role.FINANCE, "GET", "/shows/EXPO2026/capture-accuracy", False),
        (Role.KIOSK, "GET", "/shows/EXPO2026/capture-accuracy", False),
        (Role.SALES, "GET", "/shows/EXPO2026/capture-accuracy", True),
    ],
)
def test_roles(api, create_show, db, role, method, url, allowed):
    show = create_show()
    reg = _register(db, show, "Ana Silva", "ana@acme.example")
    assert api(role, "GET", "/openapi.json").status_code == 200  # the user (and its company)
    before = counts(db)
    kwargs = {"json": {**BODY, "emails": ["x@y.example"]}} if method == "POST" else {}
    response = api(role, method, url.format(id=reg.id), **kwargs)
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert counts(db) == before


def test_capture_accuracy_per_field(api, create_show, db):
    show = create_show()
    reg = _register(db, show, "Ana Silva", "ana@acme.example")
    base = {f: None for f in contacts.CARD_FIELDS} | {"emails": [], "phones": []}
    for parsed, confirmed in [
        ({"name": "Ana Si1va", "emails": ["ana@acme.example"]},
         {"name": "Ana Silva", "emails": ["ana@acme.example"]}),
        ({"name": "Bruno Costa", "emails": []},
         {"name": "Bruno Costa", "emails": ["bruno@beta.example"]}),
    ]:  # fmt: skip
        db.add(
            CardCapture(
                show_id=show.id, source=CaptureSource.KIOSK, image_path="x.jpg",
                image_sha256="0" * 64, raw_text="", parsed=base | parsed,
                confidences={}, timings={}, confirmed=base | confirmed,
                registration_id=reg.id,
            )
        )  # fmt: skip
    db.flush()
    body = api(Role.SALES, "GET", f"/shows/{show.code}/capture-accuracy").json
    assert body["captures"] == 2
    fields = {f["field"]: f for f in body["fields"]}
    assert set(fields) == set(contacts.CARD_FIELDS)
    assert (fields["name"]["corrected"], fields["name"]["wrong"]) == (1, 1)
    assert fields["name"]["correction_rate"] == 0.5
    assert (fields["emails"]["corrected"], fields["emails"]["missed"]) == (1, 1)
    assert fields["title"]["corrected"] == 0


def test_openapi_documents_the_visitors_endpoints(api):
    doc = api(Role.SALES, "GET", "/openapi.json").json
    assert "post" in doc["paths"]["/api/v1/shows/{show_code}/registrations"]
    assert "RegistrationIn" in doc["components"]["schemas"]
