"""Session cookies verified once per process, and CSRF tokens in headers of JSON requests."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask import Flask, jsonify, session
from itsdangerous import URLSafeTimedSerializer

from expo_crm.auth.roles import Role
from expo_crm.signing import CachedCookieSessionInterface
from tests.tokens import tampered


@pytest.fixture
def tiny() -> Flask:
    app = Flask("tiny")
    app.secret_key = "tiny-secret"  # noqa: S105  (a test app)
    app.session_interface = CachedCookieSessionInterface()

    @app.post("/set")
    def set_value():  # type: ignore[no-untyped-def]
        session["items"] = ["first"]
        return "ok"

    @app.get("/get")
    def get_value():  # type: ignore[no-untyped-def]
        items = session.get("items")
        answer = jsonify(items)
        if items is not None:
            items.append("changed in place")  # not saved: must not leak to the next request
        return answer

    return app


@pytest.fixture
def loads_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = URLSafeTimedSerializer.loads

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(self.salt)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", spy)
    return calls


def test_a_cookie_is_verified_once_and_each_request_gets_its_own_copy(tiny, loads_calls):
    client = tiny.test_client()
    client.post("/set")
    assert [client.get("/get").json for _ in range(3)] == [["first"]] * 3
    assert len(loads_calls) == 1


def test_an_altered_cookie_is_checked_in_full_and_refused(tiny, loads_calls):
    client = tiny.test_client()
    client.post("/set")
    assert client.get("/get").json == ["first"]
    cookie = client.get_cookie("session").value
    payload, _sep, signature = cookie.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("session", forged)
    assert client.get("/get").json is None
    assert len(loads_calls) == 2


def test_a_remembered_cookie_still_expires(tiny, monkeypatch):
    tiny.permanent_session_lifetime = timedelta(seconds=60)
    client = tiny.test_client()
    client.post("/set")
    assert client.get("/get").json == ["first"]
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/get").json is None


def test_a_new_secret_key_does_not_reuse_what_the_old_one_verified(tiny):
    client = tiny.test_client()
    client.post("/set")
    assert client.get("/get").json == ["first"]
    tiny.secret_key = "rotated-secret"  # noqa: S105
    assert client.get("/get").json is None


def test_json_requests_carry_the_csrf_token_in_a_header(app, create_user, login, db) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = login(create_user(Role.ONSITE))
        page = client.get("/badges/gate").text
        token = re.search(r'data-csrf="([^"]+)"', page).group(1)
        scan = {"code": "NOT-A-BADGE", "gate": "North"}
        refused = client.post("/badges/scan", json=scan)
        assert refused.status_code == 400
        answered = client.post("/badges/scan", json=scan, headers={"X-CSRFToken": token})
        assert answered.status_code == 200
        assert answered.json["verdict"] == "unknown"
        # A form post still finds its token in the body.
        form = client.post(
            "/badges/scan",
            data={"csrf_token": token, "code": "x"},
            headers={"Accept": "application/json"},
        )
        assert form.status_code == 400
        assert "CSRF" not in form.text  # past the CSRF check; refused for not being JSON
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_csrf_token_is_verified_once_and_still_matched_to_its_session(
    app, create_user, login, db, loads_calls
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = login(create_user(Role.ONSITE))
        token = re.search(r'data-csrf="([^"]+)"', client.get("/badges/gate").text).group(1)
        scan = {"code": "NOT-A-BADGE", "gate": "North"}
        answers = [
            client.post("/badges/scan", json=scan, headers={"X-CSRFToken": token}) for _ in range(3)
        ]
        assert [a.status_code for a in answers] == [200] * 3
        assert loads_calls.count(b"wtf-csrf-token") == 1
        # An altered token is checked in full and refused.
        altered = tampered(token)
        refused = client.post("/badges/scan", json=scan, headers={"X-CSRFToken": altered})
        assert refused.status_code == 400
        assert loads_calls.count(b"wtf-csrf-token") == 2
        # A session holding another token refuses this one, although its signature is
        # remembered as good.
        with client.session_transaction() as session:
            session["csrf_token"] = "0" * 40
        stolen = client.post("/badges/scan", json=scan, headers={"X-CSRFToken": token})
        assert stolen.status_code == 400
        assert "do not match" in stolen.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_csrf_token_remembered_as_good_still_expires(app, create_user, login, db, monkeypatch):
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=60)
    try:
        client = login(create_user(Role.ONSITE))
        token = re.search(r'data-csrf="([^"]+)"', client.get("/badges/gate").text).group(1)
        scan = {"code": "NOT-A-BADGE", "gate": "North"}
        headers = {"X-CSRFToken": token}
        assert client.post("/badges/scan", json=scan, headers=headers).status_code == 200
        later = time.time() + 120
        monkeypatch.setattr(time, "time", lambda: later)
        expired = client.post("/badges/scan", json=scan, headers=headers)
        assert expired.status_code == 400
        assert "expired" in expired.text
    finally:
        app.config.update(WTF_CSRF_ENABLED=False, WTF_CSRF_TIME_LIMIT=None)
