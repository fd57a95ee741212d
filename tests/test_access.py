"""Every route declares the roles it admits, and every other role is refused."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from expo_crm.auth.roles import PUBLIC, Role
from expo_crm.auth.services import issue_token
from expo_crm.web import endpoint_roles


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, concrete url) for every route, placeholders filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_every_endpoint_declares_its_roles(app: Flask) -> None:
    with app.test_request_context():
        undeclared = [e for e, _m, _u in _routes(app) if endpoint_roles(e) is None]
    assert undeclared == []


def test_undeclared_endpoint_is_refused(app: Flask, as_role) -> None:
    """Deny by default: a view without a declaration is closed even to administrators."""
    app.view_functions["healthz"].allowed_roles = None
    try:
        assert as_role(Role.ADMIN).get("/healthz").status_code == 403
    finally:
        app.view_functions["healthz"].allowed_roles = PUBLIC


def test_other_roles_are_refused_on_every_page(app: Flask, create_user, client) -> None:
    users = {role: create_user(role) for role in Role}
    checked = 0
    for endpoint, method, url in _routes(app):
        admitted = endpoint_roles(endpoint)
        if admitted is PUBLIC or endpoint.startswith("api."):
            continue
        anonymous = client.open(url, method=method)
        assert anonymous.status_code == 302, (endpoint, method)
        assert "/login" in anonymous.location
        for role, user in users.items():
            if role in admitted:
                continue
            with client.session_transaction() as session:
                session["_user_id"] = str(user.id)
            response = client.open(url, method=method)
            assert response.status_code == 403, (endpoint, method, role)
            checked += 1
        with client.session_transaction() as session:
            session.clear()
    assert checked > 20


def test_other_roles_are_refused_on_every_api_endpoint(app: Flask, create_user, client, db) -> None:
    tokens = {role: issue_token(db, create_user(role), "t") for role in Role}
    checked = 0
    for endpoint, method, url in _routes(app):
        if not endpoint.startswith("api."):
            continue
        admitted = endpoint_roles(endpoint)
        assert client.open(url, method=method).status_code == 401, endpoint
        bogus = client.open(url, method=method, headers={"Authorization": "Bearer nope"})
        assert bogus.status_code == 401
        for role, token in tokens.items():
            if role in admitted:
                continue
            response = client.open(
                url, method=method, json={}, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 403, (endpoint, method, role)
            assert response.json["error"]["status"] == 403
            checked += 1
    assert checked > 5


@pytest.mark.parametrize("role", [Role.KIOSK, Role.SCANNER, Role.ONSITE])
def test_devices_and_floor_staff_cannot_list_companies(as_role, role: Role) -> None:
    client = as_role(role)
    allowed = role in endpoint_roles("directory.companies")
    assert client.get("/companies").status_code == (200 if allowed else 403)
