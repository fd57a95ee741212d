"""Declarative base, column types and helpers shared by every domain's models."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, registry

#: Stable constraint names, so Alembic migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CENT = Decimal("0.01")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (use as a callable default)."""
    return datetime.now(UTC)


def money(value: Decimal | int | str) -> Decimal:
    """Round an amount to cents, half up (the rounding rule for every amount in Expo CRM)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON column that is JSONB on PostgreSQL and plain JSON elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            date: Date(),
            Decimal: Numeric(12, 2),
            str: String(255),
            dict[str, Any]: JSONType,
            list[Any]: JSONType,
        },
    )


def repoint_references(session: Session, table_name: str, old_id: int, new_id: int) -> list[str]:
    """Point every foreign key to ``table_name.id`` = ``old_id`` at ``new_id``, in every table.

    The one way a merge (of companies, people, registrations) moves what referred to the
    record it drops: walking the metadata keeps merges correct as domains add tables that
    refer to them. A merged record's link to the one it was merged into (``merged_into_id``)
    is not a reference and stays. Return the columns touched, as ``table.column``.
    """
    touched = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != table_name or fk.parent.name == "merged_into_id":
                continue
            result = session.execute(
                update(table).where(fk.parent == old_id).values({fk.parent.name: new_id})
            )
            if result.rowcount:  # type: ignore[attr-defined]
                touched.append(f"{table.name}.{fk.parent.name}")
    return touched


def enum_column(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """An enum stored as its value in a VARCHAR (no native type: adding a state is a plain edit)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        name=enum_class.__name__.lower(),
    )


def configure_sqlite(engine: Any) -> None:
    """Make SQLite behave like the production database where it matters.

    pysqlite opens transactions lazily and never around SAVEPOINTs, which breaks nested
    transactions; we let SQLAlchemy emit BEGIN itself. Foreign keys are enforced, WAL lets
    readers work during a write, and a busy timeout makes concurrent writers wait, not fail.
    """
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


#: A pooled connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def configure_pool_health(engine: Any) -> None:
    """Ping a pooled server connection before use only if it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, i.e. on every
    request. A connection handed back less than :data:`PING_AFTER_IDLE_SECONDS` ago is
    trusted instead; an older one is pinged and, if dead, replaced transparently (the pool
    retries the checkout). A server restart within those seconds of a connection's last use
    fails that one request, after which SQLAlchemy invalidates the whole pool.
    """
    import time

    from sqlalchemy import event, exc

    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and retries the checkout with a new one.
            raise exc.DisconnectionError(str(error)) from error


def configure_postgres(engine: Any) -> None:
    """Turn PostgreSQL's JIT compilation off for the app's connections.

    The follow-up reports are wide joins whose row estimates PostgreSQL overshoots by orders
    of magnitude, so it JIT-compiles them: 4 to 6 s of compiling for a query that runs in
    under a second (measured on the rebooking-risk list of a million registrations).
    """
    from sqlalchemy import event

    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.commit()
