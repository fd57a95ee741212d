from __future__ import annotations

import pytest
from sqlalchemy import func, select

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.directory.models import ChangeRecord, Company


@pytest.fixture
def api(client, create_user, db):
    token = issue_token(db, create_user(Role.SALES), "test")

    def call(method: str, url: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)

    return call


def test_openapi_document_describes_every_api_route(app, api) -> None:
    doc = api("GET", "/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    declared = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method.lower()) in declared
    assert "CompanyIn" in doc["components"]["schemas"]


def test_company_crud_through_the_api(api, db) -> None:
    created = api("POST", "/companies", json={"name": "Apex Medical", "country": "de"})
    assert created.status_code == 201
    company_id = created.json["id"]
    assert created.json["country"] == "DE"
    patched = api("PATCH", f"/companies/{company_id}", json={"industry": "Medical devices"})
    assert patched.json["industry"] == "Medical devices"
    assert api("GET", "/companies?q=apex").json["total"] == 1
    changes = db.scalars(select(ChangeRecord).where(ChangeRecord.entity_id == company_id)).all()
    assert {c.action for c in changes} == {"created", "updated"}


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"name": "Broken', "application/json", "not valid JSON"),
        (b'{"name": ""}', "application/json", "invalid fields"),
        (b'{"name": "X", "employees": -5}', "application/json", "invalid fields"),
        (b'{"name": "X", "surprise": 1}', "application/json", "invalid fields"),
        (b"name=X", "application/x-www-form-urlencoded", "as JSON"),
    ],
)
def test_malformed_api_input_is_refused_and_changes_nothing(
    api, db, body, content_type, message
) -> None:
    before = db.scalar(select(func.count(Company.id)))
    response = api("POST", "/companies", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 422
    assert message in response.json["error"]["message"]
    assert db.scalar(select(func.count(Company.id))) == before


def test_field_errors_name_the_field(api) -> None:
    response = api("POST", "/companies", json={"name": "X", "employees": -5})
    assert "employees" in response.json["error"]["fields"]


def test_api_ignores_the_session_cookie(client, as_role) -> None:
    """A signed-in browser cannot use the API without a token (no CSRF through the API)."""
    client = as_role(Role.ADMIN)
    assert client.get("/api/v1/companies").status_code == 401


def test_revoked_token_is_refused(client, create_user, db) -> None:
    from expo_crm.auth.models import ApiToken
    from expo_crm.db import utcnow

    token = issue_token(db, create_user(Role.SALES), "t")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/shows", headers=headers).status_code == 200
    db.scalar(select(ApiToken)).revoked_at = utcnow()
    db.flush()
    assert client.get("/api/v1/shows", headers=headers).status_code == 401


def test_unknown_resource_is_a_json_404(api) -> None:
    response = api("GET", "/companies/424242")
    assert response.status_code == 404
    assert "No company" in response.json["error"]["message"]
