"""Fixtures: one app and schema per test session, each test inside a rolled-back transaction.

Set ``TEST_DATABASE_URL`` to a PostgreSQL URL to run the suite there; a fresh database is
created for the session and dropped at the end, so parallel runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from werkzeug.security import generate_password_hash

from expo_crm import create_app
from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.directory.models import Company, Person
from expo_crm.directory.normalize import normalize_company_name
from expo_crm.extensions import db as _db
from expo_crm.shows.models import Show

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres", "postgresql"))
FAST_HASH = generate_password_hash("password123", method="pbkdf2:sha256:1000")


def _postgres_database() -> Iterator[str]:
    url = sa.engine.make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    name = f"expo_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the catalogs when a .po is newer than its .mo (setup.sh does it too)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parent.parent / "expo_crm" / "translations"
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if ON_POSTGRES:
        yield from _postgres_database()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "MEDIA_DIR": tmp_path_factory.mktemp("media"),
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app: Flask) -> Iterator[scoped_session[Session]]:
    """The session every test and request uses: bound to one transaction, rolled back after.

    Commits in the code under test release a savepoint, so a test sees what a route
    committed, and nothing outlives the test.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=lambda: 0,
        )
        try:
            yield _db.session
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def committed_db(app: Flask, db: scoped_session[Session]) -> Iterator[Any]:
    """Real commits on separate connections (for concurrency tests and background jobs).

    ``db.session`` (and so every request) uses ordinary sessions here, not the per-test
    transaction; the tables are emptied afterwards. Don't mix with the ``db`` session.
    """
    with app.app_context():
        rolled_back = _db.session
        _db.session = scoped_session(sessionmaker(bind=_db.engine), scopefunc=lambda: 0)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = rolled_back
            with _db.engine.begin() as conn:
                for table in reversed(_db.metadata.sorted_tables):
                    conn.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# -- factories ------------------------------------------------------------------------------
# Factories commit: inside the test transaction that only releases a savepoint, and it keeps
# their rows when the code under test rolls its own work back.


@pytest.fixture
def create_show(db: scoped_session[Session]) -> Callable[..., Show]:
    def factory(code: str = "EXPO2026", year: int = 2026, **fields: Any) -> Show:
        values: dict[str, Any] = dict(
            name=f"ExpoTech {year}",
            venue="Expo Center",
            city="São Paulo",
            country="BR",
            starts_on=date(year, 10, 6),
            ends_on=date(year, 10, 9),
            currency="BRL",
            phone_region="BR",
        )
        values.update(fields)
        show = Show(code=code, year=year, **values)
        db.add(show)
        db.commit()
        return show

    return factory


@pytest.fixture
def create_company(db: scoped_session[Session]) -> Callable[..., Company]:
    def factory(name: str = "Acme Robotics GmbH", **fields: Any) -> Company:
        company = Company(name=name, normalized_name=normalize_company_name(name), **fields)
        db.add(company)
        db.commit()
        return company

    return factory


@pytest.fixture
def create_person(db: scoped_session[Session]) -> Callable[..., Person]:
    def factory(full_name: str = "Ana Silva", **fields: Any) -> Person:
        person = Person(full_name=full_name, **fields)
        db.add(person)
        db.commit()
        return person

    return factory


@pytest.fixture
def create_user(db: scoped_session[Session]) -> Callable[..., User]:
    counter = iter(range(10**6))

    def factory(role: Role = Role.SALES, **fields: Any) -> User:
        n = next(counter)
        if role is Role.SCANNER and "company_id" not in fields:
            company = Company(name=f"Scanner Co {n}", normalized_name=f"scanner co {n}")
            db.add(company)
            db.flush()
            fields["company_id"] = company.id
        user = User(
            email=fields.pop("email", f"{role.value}{n}@test.example"),
            name=fields.pop("name", f"{role.value.title()} {n}"),
            role=role,
            password_hash=FAST_HASH,
            **fields,
        )
        db.add(user)
        db.commit()
        return user

    return factory


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Sign a user in on the test client (sets the Flask-Login session directly)."""

    def sign_in(user: User) -> FlaskClient:
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client

    return sign_in


@pytest.fixture
def as_role(
    create_user: Callable[..., User], login: Callable[[User], FlaskClient]
) -> Callable[[Role], FlaskClient]:
    """Return the test client signed in as a new user with this role."""

    def sign_in(role: Role, **fields: Any) -> FlaskClient:
        return login(create_user(role, **fields))

    return sign_in


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
