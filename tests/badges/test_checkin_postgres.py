"""Gate check-in on PostgreSQL for real: committed by the database in two round trips on a
connection of its own when the request has no transaction open, and concurrent scans of one
badge stored once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from expo_crm.badges import checkin, checkin_sql, issuing, rules, scans
from expo_crm.badges.checkin import Verdict
from expo_crm.badges.models import CheckIn
from expo_crm.directory.models import Person
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory

pytestmark = pytest.mark.postgres
SHOW_DAY = datetime(2026, 10, 7, 13, 0, tzinfo=UTC)


@pytest.fixture
def badge_code(committed_db, app, monkeypatch) -> str:
    """Commit an edition, a registration and its badge; freeze the clock on a show day."""
    monkeypatch.setattr(scans, "utcnow", lambda: SHOW_DAY)
    rules.forget_show_rules()
    with app.test_request_context(), Session(committed_db.engine) as session:
        show = Show(
            code="EXPO2026", name="ExpoTech 2026", year=2026, venue="Hall", city="SP",
            country="BR", starts_on=date(2026, 10, 6), ends_on=date(2026, 10, 9),
            currency="BRL", phone_region="BR",
        )  # fmt: skip
        person = Person(full_name="Ana Silva", first_name="Ana", last_name="Silva")
        session.add_all([show, person])
        session.flush()
        registration = Registration(
            show_id=show.id,
            person_id=person.id,
            category=VisitorCategory.TRADE,
            source=RegistrationSource.PREREGISTERED,
            answers={},
        )
        session.add(registration)
        session.flush()
        code = issuing.issue_badge(session, registration).code
        session.commit()
    return code


def _stored(engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count(CheckIn.id))))


@pytest.fixture
def checked_in(committed_db) -> list[tuple[bool, str] | None]:
    """How each connection came back to the pool: (autocommit, transaction status), or None
    for one thrown away."""
    returned: list[tuple[bool, str] | None] = []

    def on_checkin(dbapi_connection, _record) -> None:
        if dbapi_connection is None:
            returned.append(None)
        else:
            returned.append(
                (dbapi_connection.autocommit, dbapi_connection.info.transaction_status.name)
            )

    event.listen(committed_db.engine, "checkin", on_checkin)
    yield returned
    event.remove(committed_db.engine, "checkin", on_checkin)


def test_a_scan_outside_a_transaction_is_committed_by_the_database(
    app, committed_db, badge_code, checked_in
):
    engine = committed_db.engine
    with app.test_request_context(), Session(engine) as session:
        rules.show_rules(session, session.scalar(select(Show.id)))
        session.commit()  # the edition's rules are cached from here on
        checked_in.clear()
        result = checkin.check_in(session, badge_code, "North")
        assert result.verdict == Verdict.ADMITTED
        # Visible to another connection before this session commits: the scan borrowed a
        # connection of its own, and left the session without a transaction to end.
        assert not session.in_transaction()
        assert _stored(engine) == 1
        # The borrowed connection went back to the pool as it was taken.
        assert checked_in == [(False, "IDLE"), (False, "IDLE")]  # the scan's, then _stored's
        assert checkin.check_in(session, badge_code, "North").verdict == Verdict.REPEAT
        session.commit()
    with engine.connect() as conn:
        first = conn.scalar(text("SELECT checked_in_at FROM registrations"))
    assert first == SHOW_DAY
    assert _stored(engine) == 1


def test_a_scan_that_fails_midway_does_not_return_its_connection_in_autocommit(
    app, committed_db, badge_code, checked_in, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the network went away")

    monkeypatch.setattr(checkin_sql.Runner, "record", broken)
    with app.test_request_context(), Session(committed_db.engine) as session:
        rules.show_rules(session, session.scalar(select(Show.id)))
        session.commit()
        checked_in.clear()
        with pytest.raises(RuntimeError):
            checkin.check_in(session, badge_code, "North")
    assert checked_in == [None]  # thrown away, not pooled with autocommit on
    assert _stored(committed_db.engine) == 0


def test_a_scan_inside_a_transaction_joins_it(app, committed_db, badge_code):
    engine = committed_db.engine
    with app.test_request_context(), Session(engine) as session:
        session.execute(text("SELECT 1"))  # the caller has begun a transaction
        assert checkin.check_in(session, badge_code, "North").verdict == Verdict.ADMITTED
        assert _stored(engine) == 0  # not committed yet: it is the caller's to end
        session.rollback()
    assert _stored(engine) == 0


def test_concurrent_scans_of_one_badge_at_one_gate_are_stored_once(app, committed_db, badge_code):
    """Eight readers at once, half just before a repeat-window bucket edge and half just
    after: the insert's own unique key cannot catch that pair, the lock must."""
    engine = committed_db.engine
    edge = (int(SHOW_DAY.timestamp()) // 120 + 1) * 120
    times = [datetime.fromtimestamp(edge + (-1 if i % 2 else 1), UTC) for i in range(8)]
    barrier = threading.Barrier(len(times))
    verdicts: list[str | BaseException] = [""] * len(times)

    def scan(i: int) -> None:
        with app.test_request_context(), Session(engine) as session:
            barrier.wait()
            try:
                verdicts[i] = checkin.check_in(session, badge_code, "North", at=times[i]).verdict
                session.commit()
            except Exception as exc:  # noqa: BLE001  (the test looks at what each thread got)
                verdicts[i] = exc

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(len(times))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(str, verdicts)) == [Verdict.ADMITTED] + [Verdict.REPEAT] * 7, verdicts
    assert _stored(engine) == 1
