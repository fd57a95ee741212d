"""The role guard's cache of roles and tokens: fast, and stale for a bounded time only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from expo_crm.auth import principals
from expo_crm.auth.models import ApiToken
from expo_crm.auth.roles import Role
from expo_crm.auth.services import issue_token
from expo_crm.db import utcnow


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    now = [1000.0]
    monkeypatch.setattr(principals, "clock", lambda: now[0])
    principals.forget()
    yield now
    principals.forget()


def test_a_role_changed_elsewhere_applies_within_the_ttl(clock, create_user, login, db) -> None:
    user = create_user(Role.SALES)
    client = login(user)
    assert client.get("/companies").status_code == 200
    # Another process demotes the user with plain SQL: no ORM event reaches this cache.
    db.execute(text("UPDATE users SET role = 'kiosk' WHERE id = :id"), {"id": user.id})
    clock[0] += principals.TTL_SECONDS - 0.5
    assert client.get("/companies").status_code == 200  # still inside the bound
    clock[0] += 1.0
    assert client.get("/companies").status_code == 403


def test_a_role_changed_through_the_orm_applies_at_once(clock, create_user, login, db) -> None:
    user = create_user(Role.SALES)
    client = login(user)
    assert client.get("/companies").status_code == 200
    user.role = Role.KIOSK
    db.commit()
    assert client.get("/companies").status_code == 403


def test_a_deleted_user_is_signed_out(clock, create_user, login, db) -> None:
    user = create_user(Role.SALES)
    client = login(user)
    db.delete(user)
    db.commit()
    response = client.get("/companies")
    assert response.status_code == 302
    assert "/login" in response.location


def test_a_token_revoked_elsewhere_is_refused_within_the_ttl(clock, client, create_user, db):
    token = issue_token(db, create_user(Role.SALES), "t")
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    db.execute(text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP"))
    clock[0] += principals.TTL_SECONDS - 0.5
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    clock[0] += 1.0
    assert client.get("/api/v1/companies", headers=headers).status_code == 401


def test_a_token_revoked_through_the_orm_is_refused_at_once(clock, client, create_user, db):
    token = issue_token(db, create_user(Role.SALES), "t")
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    db.scalar(select(ApiToken)).revoked_at = utcnow()
    db.commit()
    assert client.get("/api/v1/companies", headers=headers).status_code == 401


def test_a_deactivated_users_token_is_refused(clock, client, create_user, db) -> None:
    user = create_user(Role.SALES)
    token = issue_token(db, user, "t")
    user.active = False
    db.commit()
    response = client.get("/api/v1/companies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_token_last_use_is_written_once_a_minute(clock, client, create_user, db) -> None:
    token = issue_token(db, create_user(Role.SALES), "t")
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}

    def last_used() -> object:
        return db.execute(text("SELECT last_used_at FROM api_tokens")).scalar_one()

    assert last_used() is None
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    first = last_used()
    assert first is not None
    db.execute(text("UPDATE api_tokens SET last_used_at = NULL"))
    clock[0] += principals.TOUCH_SECONDS - 1
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    assert last_used() is None  # not written again within the minute
    clock[0] += 2
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    assert last_used() is not None


def test_api_views_still_get_the_token_owner_as_current_user(clock, client, create_user, db):
    """current_user is loaded lazily from the cached principal (lead capture needs it)."""
    from flask_login import current_user

    user = create_user(Role.SALES)
    token = issue_token(db, user, "t")
    db.commit()
    app = client.application
    with app.test_request_context(
        "/api/v1/companies", headers={"Authorization": f"Bearer {token}"}
    ):
        from flask import request

        app.preprocess_request()
        assert request.endpoint.startswith("api.")
        assert current_user.id == user.id
        assert current_user.email == user.email


@pytest.mark.postgres
def test_a_dead_idle_connection_is_replaced_before_use(database_url, monkeypatch) -> None:
    import sqlalchemy as sa

    from expo_crm import db as db_module

    url = sa.engine.make_url(database_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, pool_size=1, max_overflow=0)
    db_module.configure_pool_health(engine)
    killer = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            victim = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with killer.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": victim})
            other.commit()
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        # The pool hands out the dead connection next: the idle ping must catch it.
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != victim
    finally:
        engine.dispose()
        killer.dispose()
