"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from expo_crm import create_app
from expo_crm.extensions import db
from tests.conftest import ON_POSTGRES, _postgres_database


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if ON_POSTGRES:
        yield from _postgres_database()
    else:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"


@pytest.mark.slow
def test_migrations_match_the_models_and_downgrade(empty_database: str, tmp_path: Path) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x", "MEDIA_DIR": tmp_path}
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()
