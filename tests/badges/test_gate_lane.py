"""The gate scan's express lane: it answers known-good scans as the full path would, and
leaves everything else to Flask."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from expo_crm import create_app
from expo_crm.auth import principals
from expo_crm.auth.roles import Role
from expo_crm.badges import scans
from expo_crm.badges.gate import GateScanLane
from expo_crm.badges.models import CheckIn
from tests.tokens import tampered

SHOW_DAY = datetime(2026, 10, 7, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(scans, "utcnow", lambda: SHOW_DAY)


@pytest.fixture
def lane(app) -> GateScanLane:
    assert isinstance(app.wsgi_app, GateScanLane)
    return app.wsgi_app


@pytest.fixture
def full_path_only(lane, monkeypatch):
    """Make the lane stand aside, so Flask answers every scan."""

    def stand_aside(environ):
        return None

    def use() -> None:
        monkeypatch.setattr(lane, "answer", stand_aside)

    return use


def scan(client, code: str, gate: str = "North", **fields):
    return client.post("/badges/scan", json={"code": code, "gate": gate, **fields})


def test_a_known_device_is_answered_by_the_lane_as_flask_would(
    db, as_role, badge, lane, full_path_only
) -> None:
    client = as_role(Role.ONSITE)
    first = scan(client, badge.code, "Warm-up")  # Flask: verifies and remembers the device
    assert first.json["verdict"] == "admitted"
    served = lane.served
    by_lane = scan(client, badge.code, "North", client_uuid="uuid-0001")
    assert lane.served == served + 1
    full_path_only()
    by_flask = scan(client, badge.code, "South", client_uuid="uuid-0002")
    assert lane.served == served + 1
    assert by_lane.status_code == by_flask.status_code == 200
    assert by_lane.json["verdict"] == by_flask.json["verdict"] == "admitted"
    # Byte for byte the same answer (but for the scan id it echoes), and the same headers.
    assert by_lane.data.replace(b"uuid-0001", b"uuid-0002") == by_flask.data
    for header in ("Content-Type", "Content-Length", "Vary"):
        assert by_lane.headers.get(header) == by_flask.headers.get(header), header
    assert "Set-Cookie" not in by_lane.headers
    assert db.scalar(select(func.count(CheckIn.id))) == 3


def test_repeats_refusals_and_queued_ids_are_judged_as_on_the_full_path(
    db, as_role, badge, lane
) -> None:
    client = as_role(Role.ONSITE)
    scan(client, badge.code, "Warm-up")
    served = lane.served
    assert scan(client, badge.code, client_uuid="queued-0001").json["verdict"] == "admitted"
    assert scan(client, badge.code, client_uuid="queued-0001").json["verdict"] == "repeat"
    assert scan(client, badge.code).json["verdict"] == "repeat"
    assert scan(client, "A" * 24).json["verdict"] == "forged"
    assert scan(client, "NOT-A-BADGE").json["verdict"] == "unknown"
    assert lane.served == served + 5
    stored = db.scalars(select(CheckIn.gate).order_by(CheckIn.id)).all()
    assert stored == ["Warm-up", "North"]


def test_the_lane_answers_in_the_session_language(db, as_role, badge, lane) -> None:
    client = as_role(Role.ONSITE)
    with client.session_transaction() as session:
        session["locale"] = "zh_Hans_CN"
    first = scan(client, badge.code, "Warm-up")
    served = lane.served
    again = scan(client, badge.code, "North")
    assert lane.served == served + 1
    assert again.json["message"] == first.json["message"] != "Admitted"
    assert again.json["category_label"] == first.json["category_label"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"code": "X"}', "application/json", 422),  # no gate
        ('{"code": "X", "gate": "%s"}' % ("G" * 41), "application/json", 422),
        ('{"code": "X", "gate": "N", "scanned_at": "yesterday"}', "application/json", 422),
        ('{"code": "X", "gate": "N", "client_uuid": "no/slashes"}', "application/json", 422),
        ("[1, 2]", "application/json", 400),
        ("not json", "application/json", 400),
        ('{"code": "X", "gate": "N"}', "text/plain", 400),
    ],
)
def test_what_the_route_would_refuse_goes_to_flask(
    db, as_role, badge, lane, body, content_type, status
) -> None:
    client = as_role(Role.ONSITE)
    scan(client, badge.code, "Warm-up")
    served = lane.served
    answer = client.post(
        "/badges/scan",
        data=body,
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert answer.status_code == status
    assert lane.served == served


def test_other_roles_and_unknown_devices_go_to_flask_and_are_refused(
    db, as_role, badge, lane, client
) -> None:
    served = lane.served
    scanner = as_role(Role.SCANNER)
    for _ in range(2):  # the second time its role is cached: still refused
        assert scan(scanner, badge.code).status_code == 403
    stranger = client.application.test_client()
    stranger.set_cookie("session", "forged.cookie.value")
    assert scan(stranger, badge.code).status_code in (302, 401)
    assert db.scalar(select(func.count(CheckIn.id))) == 0
    assert lane.served == served


def test_a_role_taken_away_applies_at_once(db, as_role, badge, lane) -> None:
    client = as_role(Role.ONSITE)
    scan(client, badge.code, "Warm-up")
    served = lane.served
    assert scan(client, badge.code, "North").status_code == 200
    assert lane.served == served + 1
    from expo_crm.auth.models import User

    user = db.scalars(select(User).where(User.role == Role.ONSITE)).one()
    user.role = Role.SALES
    db.commit()  # through the ORM: the role cache forgets
    assert scan(client, badge.code, "South").status_code == 403
    assert lane.served == served + 1


def test_a_stale_role_goes_to_flask_again(db, as_role, badge, lane) -> None:
    client = as_role(Role.ONSITE)
    scan(client, badge.code, "Warm-up")
    principals.forget()  # as after TTL_SECONDS
    served = lane.served
    assert scan(client, badge.code, "North").status_code == 200
    assert lane.served == served  # Flask looked the role up again
    assert scan(client, badge.code, "South").status_code == 200
    assert lane.served == served + 1


def test_csrf_tokens_are_checked_in_the_lane_too(app, db, as_role, badge, lane) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = as_role(Role.ONSITE)
        token = re.search(r'data-csrf="([^"]+)"', client.get("/badges/gate").text).group(1)
        good = {"X-CSRFToken": token}
        warm = client.post("/badges/scan", json={"code": badge.code, "gate": "W"}, headers=good)
        assert warm.status_code == 200
        served = lane.served
        ok = client.post("/badges/scan", json={"code": badge.code, "gate": "N"}, headers=good)
        assert ok.status_code == 200
        assert lane.served == served + 1
        altered = {"X-CSRFToken": tampered(token)}
        for headers in ({}, altered):
            refused = client.post(
                "/badges/scan", json={"code": badge.code, "gate": "S"}, headers=headers
            )
            assert refused.status_code == 400
        # A session holding another token: the remembered token no longer matches.
        with client.session_transaction() as session:
            session["csrf_token"] = "0" * 40
        refused = client.post("/badges/scan", json={"code": badge.code, "gate": "E"}, headers=good)
        assert refused.status_code == 400
        assert lane.served == served + 1
        assert db.scalar(select(func.count(CheckIn.id))) == 2
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_over_https_the_referrer_is_checked_as_flask_wtf_does(app, db, as_role, badge, lane):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = as_role(Role.ONSITE)
        page = client.get("/badges/gate", base_url="https://localhost")
        token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)

        def post(gate: str, referrer: str | None):
            headers = {"X-CSRFToken": token}
            if referrer:
                headers["Referer"] = referrer
            return client.post(
                "/badges/scan",
                json={"code": badge.code, "gate": gate},
                headers=headers,
                base_url="https://localhost",
            )

        assert post("W", "https://localhost/badges/gate").status_code == 200
        served = lane.served
        assert post("N", "https://localhost/badges/gate").status_code == 200
        assert lane.served == served + 1
        assert post("S", None).status_code == 400
        assert post("E", "https://elsewhere.example/").status_code == 400
        assert lane.served == served + 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_lane_stands_aside_for_a_request_hook_it_does_not_know(tmp_path) -> None:
    def fresh() -> Flask:
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "lane-test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lane.sqlite3'}",
            }
        )

    plain = fresh()
    assert GateScanLane(plain, plain.wsgi_app).scan_path() == "/badges/scan"
    hooked = fresh()
    hooked.before_request(lambda: None)
    assert GateScanLane(hooked, hooked.wsgi_app).scan_path() is None
    on_blueprint = fresh()
    on_blueprint.before_request_funcs.setdefault("badges", []).append(lambda: None)
    assert GateScanLane(on_blueprint, on_blueprint.wsgi_app).scan_path() is None


def test_a_session_flask_would_send_back_goes_to_flask(app, db, as_role, badge, lane) -> None:
    client = as_role(Role.ONSITE)
    with client.session_transaction() as session:
        session.permanent = True  # refreshed on every answer
    scan(client, badge.code, "Warm-up")
    served = lane.served
    answer = scan(client, badge.code, "North")
    assert answer.status_code == 200
    assert "Set-Cookie" in answer.headers
    assert lane.served == served
