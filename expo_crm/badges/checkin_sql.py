"""The check-in's SQL, in one place: a look-up, the idempotent insert, the first-check-in
update and the no-pass-back question, written once as plain text (no statement built or
compiled per scan) and run by :class:`Runner` on SQLite or PostgreSQL.

There is one ``INSERT … WHERE NOT EXISTS``: on SQLite it runs as it is, followed by the
first-check-in update; on PostgreSQL the same statement is wrapped with that update in one
statement (a data-modifying ``WITH``), behind an advisory lock of the badge and gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, scoped_session

from expo_crm.db import UTCDateTime

# The hot path is plain SQL built once (no statement construction or compilation per
# scan): one look-up, one idempotent insert, one conditional update.
_LOOKUP_SQL = """
SELECT b.id, b.registration_id, b.show_id, b.revoked_at, r.category, p.full_name, c.name
FROM badges b
JOIN registrations r ON r.id = b.registration_id
JOIN people p ON p.id = r.person_id
LEFT JOIN companies c ON c.id = r.company_id
WHERE b.code = :code
"""


#: On PostgreSQL, serialize concurrent scans of one badge at one gate (two readers of one
#: badge, a double submit) so the repeat check always sees the other's check-in. The lock is
#: its own statement before the insert: the insert's snapshot is then taken after the lock
#: is held (in one statement it would be taken before, and could miss the other's row).
_PG_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext(:lock_key))"


#: The one insert: a check-in unless the badge was admitted at this gate within the window
#: either side (the buckets narrow the look-up to the unique index's prefix).
_INSERT_SQL = """
INSERT INTO checkins
    (badge_id, registration_id, show_id, gate, day, bucket, scanned_at, client_uuid,
     scanned_by_id)
SELECT CAST(:badge_id AS VARCHAR(16)), CAST(:registration_id AS INTEGER),
       CAST(:show_id AS INTEGER), CAST(:gate AS VARCHAR(40)), :day,
       CAST(:bucket AS BIGINT), :scanned_at, CAST(:client_uuid AS VARCHAR(36)),
       CAST(:user_id AS INTEGER)
WHERE NOT EXISTS (
    SELECT 1 FROM checkins
    WHERE badge_id = CAST(:badge_id AS VARCHAR(16)) AND gate = CAST(:gate AS VARCHAR(40))
      AND bucket IN (CAST(:prev_bucket AS BIGINT), CAST(:bucket AS BIGINT),
                     CAST(:next_bucket AS BIGINT))
      AND scanned_at > :since AND scanned_at < :until
)
ON CONFLICT DO NOTHING
RETURNING id, registration_id
"""
#: PostgreSQL runs that insert and the first-check-in update as one statement.
_PG_INSERT_SQL = f"""
WITH ins AS ({_INSERT_SQL}),
upd AS (
    UPDATE registrations SET checked_in_at = :scanned_at
    WHERE id = (SELECT registration_id FROM ins) AND checked_in_at IS NULL
)
SELECT id FROM ins
"""  # noqa: S608  (constant text around a constant statement: no value is put in it)
_FIRST_CHECKIN_SQL = """
UPDATE registrations SET checked_in_at = :scanned_at
WHERE id = :registration_id AND checked_in_at IS NULL
"""


_LAST_TODAY_SQL = """
SELECT gate, scanned_at FROM checkins WHERE badge_id = :badge_id AND day = :day
ORDER BY scanned_at DESC LIMIT 1
"""


def _typed(sql: str, **columns: Any) -> Any:
    """A constant SQL statement with typed date/time parameters and result columns."""
    from sqlalchemy import Date, bindparam, text
    from sqlalchemy.types import TypeEngine

    from expo_crm.db import UTCDateTime

    names: dict[str, TypeEngine[Any]] = {
        "scanned_at": UTCDateTime(),
        "since": UTCDateTime(),
        "until": UTCDateTime(),
        "day": Date(),
    }
    statement = text(sql)
    wanted = [bindparam(n, type_=t) for n, t in names.items() if f":{n}" in sql]
    if wanted:
        statement = statement.bindparams(*wanted)
    return statement.columns(**columns) if columns else statement


_STATEMENTS: dict[str, dict[str, Any]] = {}


def _driver_sql(sql: str) -> str:
    """The same statement for psycopg itself: ``:name`` parameters become ``%(name)s``."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


class Runner:
    """Run the check-in statements.

    On PostgreSQL they go straight to a psycopg connection (a fraction of the CPU of a
    SQLAlchemy execute), prepared. A session with no transaction in progress (a gate scan's
    request) is left alone: the scan borrows a connection from the engine's pool for itself,
    in autocommit, and the look-up runs alone and the lock and insert run as one pipeline,
    which PostgreSQL executes as one implicit transaction ended by the pipeline's Sync: two
    round trips, where BEGIN, look-up, lock, insert and COMMIT would take five, and none of
    the session's own begin and commit work. Inside a transaction the caller began (tests, a
    batch after a write), the statements join it on the session's connection and the
    caller's commit ends it. Elsewhere (SQLite) everything goes through the session.
    """

    __slots__ = ("borrowed", "driver", "session", "sql")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.borrowed: Any = None
        self.driver: Any = None
        # (a scoped_session proxies neither in_transaction nor get_transaction)
        current = session() if isinstance(session, scoped_session) else session
        if not current.in_transaction():
            bind = current.get_bind()
            if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
                self.sql = _statements("postgresql")
                self.borrowed = bind.raw_connection()
                self.driver = self.borrowed.driver_connection
                return
        connection = session.connection()
        self.sql = _statements(connection.dialect.name)
        if self.sql["postgres"]:
            self.driver = connection.connection.driver_connection

    def first(self, name: str, params: dict[str, Any]) -> Any:
        if self.driver is None:
            return self.session.execute(self.sql[name], params).first()
        return self.driver.execute(self.sql["driver"][name], params, prepare=True).fetchone()

    def record(self, params: dict[str, Any], lock_key: str) -> Any:
        """Insert the check-in unless it repeats one; return its id row, or None."""
        if self.driver is None:
            inserted = self.session.execute(self.sql["insert"], params).first()
            if inserted is not None:
                self.session.execute(self.sql["first"], params)
            return inserted
        sql = self.sql["driver"]
        with self.driver.pipeline():
            self.driver.execute(sql["lock"], {"lock_key": lock_key}, prepare=True)
            cursor = self.driver.execute(sql["insert"], params, prepare=True)
        return cursor.fetchone()

    @contextmanager
    def own_transactions(self) -> Iterator[None]:
        """Let PostgreSQL commit each statement (or pipeline) by itself on a borrowed
        connection, or on the session's if nothing was sent on it yet; then hand the
        connection back as it was (the session's commit then sends nothing)."""
        from psycopg.pq import TransactionStatus

        driver, borrowed = self.driver, self.borrowed
        if borrowed is not None:
            try:
                driver.autocommit = True
                yield
                driver.autocommit = False
            except BaseException:
                borrowed.invalidate()  # never back to the pool in an unknown state
                raise
            finally:
                borrowed.close()
            return
        if driver is None or driver.pgconn.transaction_status != TransactionStatus.IDLE:
            yield
            return
        driver.autocommit = True
        try:
            yield
        finally:
            driver.autocommit = False


def _statements(dialect: str) -> dict[str, Any]:
    statements = _STATEMENTS.get(dialect)
    if statements is None:
        statements = {
            "lookup": _typed(_LOOKUP_SQL, revoked_at=UTCDateTime()),
            "insert": _typed(_INSERT_SQL),
            "postgres": dialect == "postgresql",
            "first": _typed(_FIRST_CHECKIN_SQL),
            "last_today": _typed(_LAST_TODAY_SQL, scanned_at=UTCDateTime()),
            "driver": {
                "lookup": _driver_sql(_LOOKUP_SQL),
                "lock": _driver_sql(_PG_LOCK_SQL),
                "insert": _driver_sql(_PG_INSERT_SQL),
                "last_today": _driver_sql(_LAST_TODAY_SQL),
            },
        }
        _STATEMENTS[dialect] = statements
    return statements
