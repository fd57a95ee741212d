"""The badges API: device scans with a token, exhibitor leads scoped to the company."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.badges import leads, scans


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(scans, "utcnow", lambda: datetime(2026, 10, 7, 13, tzinfo=UTC))


def bearer(db, user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(db, user, 'device')}"}


def test_device_scans_with_a_token(db, client, create_user, badge) -> None:
    headers = bearer(db, create_user(Role.ONSITE))
    scan = {"code": badge.code, "gate": "North", "client_uuid": "abcd-1234-efgh"}
    first = client.post("/api/v1/badges/scans", json={"scans": [scan]}, headers=headers)
    assert first.status_code == 200
    assert first.json["results"][0]["verdict"] == "admitted"
    again = client.post("/api/v1/badges/scans", json={"scans": [scan]}, headers=headers)
    assert again.json["results"][0]["verdict"] == "repeat"
    bad = client.post("/api/v1/badges/scans", json={"scans": []}, headers=headers)
    assert bad.status_code == 422


def test_leads_api_is_scoped_to_the_company(db, client, create_user, badge) -> None:
    mine = create_user(Role.SCANNER)
    theirs = create_user(Role.SCANNER)
    with client.application.test_request_context():
        leads.capture_lead(db, theirs, badge.code)
    headers = bearer(db, mine)
    assert client.get("/api/v1/badges/leads", headers=headers).json == []
    created = client.post("/api/v1/badges/leads", json={"code": badge.code}, headers=headers)
    assert created.status_code == 201
    assert created.json["email"] is None  # no consent to share
    listed = client.get("/api/v1/badges/leads", headers=headers).json
    assert [lead["id"] for lead in listed] == [created.json["id"]]
    gate = bearer(db, create_user(Role.ONSITE))
    assert client.get("/api/v1/badges/leads", headers=gate).status_code == 403
