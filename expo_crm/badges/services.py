"""Use cases of the badges domain: issue, print, revoke; gate check-in; exhibitor leads.

The check-in path (:func:`check_in`) is the hot one: a signature check in Python, one
indexed look-up, one idempotent insert, two round trips to PostgreSQL on a pooled connection
of its own. Show rules and the answer's texts are kept in small per-process caches. Scans
from gate devices this process already knows reach it through the lane in
:mod:`expo_crm.badges.gate`, without Flask's request machinery.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, scoped_session

from expo_crm.auth.models import User
from expo_crm.auth.roles import Role
from expo_crm.badges import pdf, qr
from expo_crm.badges.models import (
    Badge,
    BadgeLayout,
    BadgeSize,
    CheckIn,
    GateSettings,
    Lead,
    LeadQuestion,
    LeadQuestionKind,
    LeadRating,
    LeadScan,
)
from expo_crm.db import UTCDateTime, utcnow
from expo_crm.directory.models import Company, Person
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory

log = logging.getLogger(__name__)

CATEGORY_LABELS = {
    VisitorCategory.TRADE: _l("Trade visitor"),
    VisitorCategory.PUBLIC: _l("Visitor"),
    VisitorCategory.EXHIBITOR_STAFF: _l("Exhibitor"),
    VisitorCategory.PRESS: _l("Press"),
    VisitorCategory.VIP: _l("VIP"),
}
#: Default size per category when the organizer has not chosen one.
DEFAULT_SIZE = BadgeSize.A6
MAX_GATE_LENGTH = 40


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


# -- badges -------------------------------------------------------------------------------


def active_badge(session: Session, registration_id: int) -> Badge | None:
    """Return the registration's unrevoked badge, if it has one."""
    return session.scalar(
        select(Badge).where(Badge.registration_id == registration_id, Badge.revoked_at.is_(None))
    )


def issue_badge(session: Session, registration: Registration, user: User | None = None) -> Badge:
    """Return the registration's active badge, making one (new random code) if it has none."""
    badge = active_badge(session, registration.id)
    if badge is not None:
        return badge
    badge_id, code = qr.new_code(_secret())
    badge = Badge(
        id=badge_id,
        code=code,
        registration_id=registration.id,
        show_id=registration.show_id,
        issued_by_id=user.id if user else None,
    )
    session.add(badge)
    session.flush()
    log.info(
        "Badge %s issued for registration %s by %s",
        badge_id,
        registration.id,
        user.email if user else "system",
    )
    return badge


def get_badge(session: Session, badge_id: str) -> Badge:
    """Return a badge by id; raise NotFound."""
    badge = session.get(Badge, badge_id)
    if badge is None:
        raise NotFound(_("No badge %(id)s.", id=badge_id))
    return badge


def revoke_badge(session: Session, badge: Badge, user: User | None, reason: str) -> None:
    """Revoke a badge (lost, stolen): its code is refused at the gates from now on."""
    if badge.revoked_at is not None:
        raise Conflict(_("This badge was already revoked."))
    badge.revoked_at = utcnow()
    badge.revoked_reason = (reason or "").strip()[:200] or None
    session.flush()
    log.info("Badge %s revoked by %s: %s", badge.id, user.email if user else "system", reason)


def reissue_badge(session: Session, badge: Badge, user: User | None, reason: str) -> Badge:
    """Revoke a badge and issue its registration a new one with a new code."""
    revoke_badge(session, badge, user, reason)
    return issue_badge(session, badge.registration, user)


def badge_history(session: Session, registration_id: int) -> list[Badge]:
    """Return every badge a registration had, newest first (revoked ones included)."""
    return list(
        session.scalars(
            select(Badge)
            .where(Badge.registration_id == registration_id)
            .order_by(Badge.issued_at.desc())
        )
    )


def badge_stats(session: Session, show_id: int) -> dict[str, int]:
    """Return counts for the badge overview: registrations, badges, printed, revoked."""
    registrations = session.scalar(
        select(func.count(Registration.id)).where(Registration.show_id == show_id)
    )
    active, printed, reprinted = session.execute(
        select(
            func.count(Badge.id),
            func.count(Badge.id).filter(Badge.print_count > 0),
            func.count(Badge.id).filter(Badge.print_count > 1),
        ).where(Badge.show_id == show_id, Badge.revoked_at.is_(None))
    ).one()
    revoked = session.scalar(
        select(func.count(Badge.id)).where(Badge.show_id == show_id, Badge.revoked_at.is_not(None))
    )
    return {
        "registrations": registrations or 0,
        "badges": active,
        "printed": printed,
        "reprinted": reprinted,
        "revoked": revoked or 0,
    }


def reprint_warning(badge: Badge) -> str | None:
    """Say how often a badge was printed already, or None for a first print."""
    if badge.print_count == 0:
        return None
    if badge.print_count == 1:
        return _("This badge was already printed once.")
    if badge.print_count == 2:
        return _("This badge was already printed twice.")
    return _("This badge was already printed %(n)s times.", n=badge.print_count)


def record_print(session: Session, badge: Badge) -> str | None:
    """Count a print of a badge; return the reprint warning to show, if any."""
    if badge.revoked_at is not None:
        raise Conflict(_("A revoked badge cannot be printed; reissue it."))
    warning = reprint_warning(badge)
    badge.print_count += 1
    badge.last_printed_at = utcnow()
    session.flush()
    if warning:
        log.warning("Badge %s reprinted (print %s)", badge.id, badge.print_count)
    return warning


def layout_for(session: Session, show_id: int, category: VisitorCategory) -> BadgeLayout:
    """Return the organizer's layout of a category, or the default one (not saved)."""
    layout = session.scalar(
        select(BadgeLayout).where(BadgeLayout.show_id == show_id, BadgeLayout.category == category)
    )
    if layout is None:
        band, text = pdf.DEFAULT_COLORS[category.value]
        layout = BadgeLayout(
            show_id=show_id,
            category=category,
            size=DEFAULT_SIZE,
            band_color=band,
            text_color=text,
            valid_days=[],
        )
    return layout


def layouts(session: Session, show_id: int) -> list[BadgeLayout]:
    return [layout_for(session, show_id, category) for category in VisitorCategory]


def save_layout(
    session: Session,
    show: Show,
    category: VisitorCategory,
    *,
    size: BadgeSize,
    band_color: str,
    text_color: str,
    valid_days: Sequence[date] = (),
) -> BadgeLayout:
    """Set a category's badge size, colours and admission days; raise ValidationError."""
    for name, value in (("band_color", band_color), ("text_color", text_color)):
        if not _is_hex_colour(value):
            raise ValidationError(name, _("Give a colour as #rrggbb."))
    for day in valid_days:
        if day not in show.days:
            raise ValidationError(
                "valid_days", _("%(day)s is not a day of this show.", day=day.isoformat())
            )
    layout = session.scalar(
        select(BadgeLayout).where(BadgeLayout.show_id == show.id, BadgeLayout.category == category)
    )
    if layout is None:
        layout = BadgeLayout(show_id=show.id, category=category)
        session.add(layout)
    layout.size = size
    layout.band_color = band_color.lower()
    layout.text_color = text_color.lower()
    layout.valid_days = sorted(d.isoformat() for d in valid_days)
    session.flush()
    forget_show_rules(show.id)
    log.info("Badge layout of %s at %s set to %s", category, show.code, size)
    return layout


def _is_hex_colour(value: str) -> bool:
    return (
        len(value) == 7
        and value.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    )


def gate_settings(session: Session, show_id: int) -> GateSettings:
    return session.get(GateSettings, show_id) or GateSettings(
        show_id=show_id, deny_reentry=False, dedupe_seconds=120
    )


def save_gate_settings(
    session: Session, show_id: int, *, deny_reentry: bool, dedupe_seconds: int
) -> GateSettings:
    """Set the check-in rules of an edition; raise ValidationError on a bad window."""
    if not 5 <= dedupe_seconds <= 3600:
        raise ValidationError(
            "dedupe_seconds", _("The repeat window must be between 5 and 3600 seconds.")
        )
    settings = session.get(GateSettings, show_id)
    if settings is None:
        settings = GateSettings(show_id=show_id)
        session.add(settings)
    settings.deny_reentry = deny_reentry
    settings.dedupe_seconds = dedupe_seconds
    session.flush()
    forget_show_rules(show_id)
    return settings


def _country_name(code: str | None) -> str:
    if not code:
        return ""
    from babel import Locale

    return str(Locale("en").territories.get(code.upper(), code.upper()))


def badge_face(
    session: Session, badge: Badge, size: BadgeSize | str | None = None
) -> pdf.BadgeFace:
    """Return what a badge shows (name, company, country, colours), ready to render."""
    registration = badge.registration
    person: Person = registration.person
    company: Company | None = registration.company or person.company
    layout = layout_for(session, badge.show_id, registration.category)
    return pdf.BadgeFace(
        code=badge.code,
        name=person.full_name,
        company=company.name if company else "",
        country=_country_name(person.country or (company.country if company else None)),
        category=registration.category.value,
        category_label=str(CATEGORY_LABELS[registration.category]).upper(),
        show_name=registration.show.name,
        size=BadgeSize(size or layout.size).value,
        band_color=layout.band_color,
        text_color=layout.text_color,
    )


def badge_pdf(badge: Badge, size: BadgeSize | str | None = None) -> bytes:
    """Render one badge as a PDF (the category's layout; ``size`` overrides its size)."""
    session = object_session(badge)
    if session is None:
        raise ValueError("badge_pdf needs a badge attached to a session")
    return pdf.render_pdf([badge_face(session, badge, size)])


def print_badge(
    session: Session, badge: Badge, size: BadgeSize | str | None = None
) -> tuple[bytes, str | None]:
    """Render a badge for printing and count the print; return (pdf, reprint warning)."""
    warning = record_print(session, badge)
    return badge_pdf(badge, size), warning


BULK_ORDERS = ("surname", "company")


def bulk_badges(
    session: Session,
    show: Show,
    *,
    order: str = "surname",
    unprinted_only: bool = False,
    user: User | None = None,
) -> list[Badge]:
    """Issue and return the badges of every pre-registered person of an edition, sorted."""
    if order not in BULK_ORDERS:
        raise ValidationError("order", _("Sort by surname or company."))
    registrations = list(
        session.scalars(
            select(Registration).where(
                Registration.show_id == show.id,
                Registration.source == RegistrationSource.PREREGISTERED,
            )
        )
    )
    existing = {
        b.registration_id: b
        for b in session.scalars(
            select(Badge).where(Badge.show_id == show.id, Badge.revoked_at.is_(None))
        )
    }
    secret = _secret()
    for registration in registrations:
        if registration.id not in existing:
            badge_id, code = qr.new_code(secret)
            badge = Badge(
                id=badge_id,
                code=code,
                registration_id=registration.id,
                show_id=show.id,
                issued_by_id=user.id if user else None,
            )
            session.add(badge)
            existing[registration.id] = badge
    session.flush()
    people = (
        {
            p.id: p
            for p in session.scalars(
                select(Person).where(Person.id.in_([r.person_id for r in registrations]))
            )
        }
        if registrations
        else {}
    )
    companies = (
        {
            c.id: c.name
            for c in session.scalars(
                select(Company).where(
                    Company.id.in_({r.company_id for r in registrations if r.company_id})
                )
            )
        }
        if registrations
        else {}
    )

    def key(registration: Registration) -> tuple[bool, str, str, str] | tuple[str, str, str]:
        person = people[registration.person_id]
        surname = (person.last_name or person.full_name).casefold()
        company = companies.get(registration.company_id or 0, "").casefold()
        if order == "company":
            return (company == "", company, surname, person.full_name.casefold())
        return (surname, person.full_name.casefold(), company)

    registrations.sort(key=key)
    badges = [existing[r.id] for r in registrations]
    if unprinted_only:
        badges = [b for b in badges if b.print_count == 0]
    return badges


def bulk_pdf(
    session: Session,
    badges: Sequence[Badge],
    *,
    processes: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> tuple[bytes, int]:
    """Render badges as one PDF on a pool of processes and count the prints.

    Return (pdf, number of reprints among them).
    """
    if not badges:
        raise ValidationError("badges", _("There are no badges to print."))
    layout_cache: dict[tuple[int, VisitorCategory], BadgeLayout] = {}
    faces = []
    for badge in badges:
        registration = badge.registration
        key = (badge.show_id, registration.category)
        if key not in layout_cache:
            layout_cache[key] = layout_for(session, *key)
        faces.append(badge_face(session, badge))
    document = pdf.render_bulk(faces, processes=processes, progress=progress)
    reprints = 0
    now = utcnow()
    for badge in badges:
        reprints += badge.print_count > 0
        badge.print_count += 1
        badge.last_printed_at = now
    session.flush()
    log.info("%s badges printed in bulk (%s reprints)", len(badges), reprints)
    return document, reprints


# -- gate check-in ------------------------------------------------------------------------


class Verdict:
    ADMITTED = "admitted"
    REPEAT = "repeat"  #: admitted, the same entry scanned again within the window
    UNKNOWN = "unknown"
    FORGED = "forged"
    REVOKED = "revoked"
    WRONG_DAY = "wrong_day"
    ALREADY_INSIDE = "already_inside"


VERDICT_MESSAGES = {
    Verdict.ADMITTED: _l("Admitted"),
    Verdict.REPEAT: _l("Admitted (scanned again)"),
    Verdict.UNKNOWN: _l("Unknown badge"),
    Verdict.FORGED: _l("Forged or damaged code"),
    Verdict.REVOKED: _l("Badge revoked"),
    Verdict.WRONG_DAY: _l("Not valid today"),
    Verdict.ALREADY_INSIDE: _l("Already inside"),
}


@dataclass
class ScanResult:
    verdict: str
    name: str | None = None
    company: str | None = None
    category: str | None = None
    client_uuid: str | None = None

    @property
    def admitted(self) -> bool:
        return self.verdict in (Verdict.ADMITTED, Verdict.REPEAT)

    def as_dict(self, texts: ScanTexts | None = None) -> dict[str, Any]:
        """The answer a gate page shows, in the request's language (or in ``texts``)."""
        verdicts, categories = texts or _scan_texts()
        return {
            "admitted": self.admitted,
            "verdict": self.verdict,
            "message": verdicts[self.verdict],
            "name": self.name,
            "company": self.company,
            "category": self.category,
            "category_label": categories[self.category] if self.category else None,
            "client_uuid": self.client_uuid,
        }


#: Verdict messages and category labels in one language.
ScanTexts = tuple[dict[str, str], dict[str, str]]
_SCAN_TEXTS: dict[str, ScanTexts] = {}


def _scan_texts() -> ScanTexts:
    """Verdict messages and category labels in the request's language, translated once per
    process and language (a gate answers hundreds of scans a second with the same words)."""
    language = str(get_locale())
    texts = _SCAN_TEXTS.get(language)
    if texts is None:
        texts = _SCAN_TEXTS[language] = (
            {verdict: str(message) for verdict, message in VERDICT_MESSAGES.items()},
            {category.value: str(label) for category, label in CATEGORY_LABELS.items()},
        )
    return texts


def remembered_scan_texts(language: str) -> ScanTexts | None:
    """The scan texts of a language (``en``, ``zh_Hans_CN``) if a request translated them."""
    return _SCAN_TEXTS.get(language)


@dataclass
class ShowRules:
    tz: ZoneInfo
    days: frozenset[date]
    deny_reentry: bool
    dedupe_seconds: int
    valid_days: dict[str, frozenset[date]] = field(default_factory=dict)
    loaded_at: float = 0.0


_RULES: dict[int, ShowRules] = {}
_RULES_LOCK = threading.Lock()
RULES_TTL_SECONDS = 30.0


def forget_show_rules(show_id: int | None = None) -> None:
    """Drop cached check-in rules (after the organizer changes them; tests)."""
    with _RULES_LOCK:
        if show_id is None:
            _RULES.clear()
        else:
            _RULES.pop(show_id, None)


def show_rules(session: Session, show_id: int) -> ShowRules:
    """Return an edition's check-in rules, cached for a few seconds per process."""
    rules = _RULES.get(show_id)
    if rules is not None and time.monotonic() - rules.loaded_at < RULES_TTL_SECONDS:
        return rules
    show = session.get(Show, show_id)
    if show is None:
        raise NotFound(_("No show edition %(id)s.", id=show_id))
    settings = gate_settings(session, show_id)
    valid = {}
    for layout in session.scalars(select(BadgeLayout).where(BadgeLayout.show_id == show_id)):
        if layout.valid_days:
            valid[layout.category.value] = frozenset(
                date.fromisoformat(d) for d in layout.valid_days
            )
    rules = ShowRules(
        tz=ZoneInfo(show.timezone or "UTC"),
        days=frozenset(show.days),
        deny_reentry=settings.deny_reentry,
        dedupe_seconds=settings.dedupe_seconds,
        valid_days=valid,
        loaded_at=time.monotonic(),
    )
    with _RULES_LOCK:
        _RULES[show_id] = rules
    return rules


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
RETURNING id
"""
#: PostgreSQL does the insert and the first-check-in update in one statement.
_PG_INSERT_SQL = """
WITH ins AS (
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
),
upd AS (
    UPDATE registrations SET checked_in_at = :scanned_at
    WHERE id = (SELECT registration_id FROM ins) AND checked_in_at IS NULL
)
SELECT id FROM ins
"""
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


class _Runner:
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


def parse_scan_time(value: Any) -> datetime | None:
    """Read the scan time a page sent (ISO 8601, ``Z`` for UTC), None if it sent none;
    raise ValueError."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def is_scan_id(text: str) -> bool:
    """Whether a page's scan id (a UUID it made) is well formed."""
    letters = text.replace("-", "")
    return 8 <= len(text) <= 36 and (letters.isalnum() or not letters)


def normalize_gate(gate: str) -> str:
    gate = " ".join((gate or "").split())
    if not gate or len(gate) > MAX_GATE_LENGTH:
        raise ValidationError(
            "gate", _("Name the gate (up to %(n)s characters).", n=MAX_GATE_LENGTH)
        )
    return gate


def _scan_time(at: datetime | None) -> datetime:
    """Accept a client's scan time (queued offline) if plausible, else use the server's."""
    now = utcnow()
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if now - timedelta(days=7) <= at <= now + timedelta(minutes=5):
        return at.astimezone(UTC)
    return now


def check_in(
    session: Session,
    code: str,
    gate: str,
    *,
    at: datetime | None = None,
    client_uuid: str | None = None,
    user_id: int | None = None,
) -> ScanResult:
    """Judge a badge scanned at a gate and record an admission once (idempotent).

    The same badge at the same gate within the show's repeat window is one check-in, and a
    ``client_uuid`` already stored (a queued scan sent again) is never stored twice.
    Raise ValidationError on a missing gate name.

    On PostgreSQL, a session with no transaction open on its connection yet (a gate scan's
    request) gets the check-in committed here, by the database, in two round trips; the
    caller's commit then has nothing to send. Inside an open transaction it is the caller's
    commit that makes the check-in stick, as with any service.
    """
    gate = normalize_gate(gate)
    code = qr.normalize(code or "")
    result = ScanResult(Verdict.UNKNOWN, client_uuid=client_uuid)
    badge_id = qr.verify(_secret(), code)
    if badge_id is None:
        result.verdict = Verdict.FORGED if len(code) == qr.CODE_LENGTH else Verdict.UNKNOWN
        log.info("Gate %s refused code %r: %s", gate, code[:40], result.verdict)
        return result
    run = _Runner(session)
    with run.own_transactions():
        return _judge_and_record(session, run, result, code, gate, at, client_uuid, user_id)


def _judge_and_record(
    session: Session,
    run: _Runner,
    result: ScanResult,
    code: str,
    gate: str,
    at: datetime | None,
    client_uuid: str | None,
    user_id: int | None,
) -> ScanResult:
    row = run.first("lookup", {"code": code})
    if row is None:
        log.info("Gate %s refused unknown badge %s", gate, code[:40])
        return result
    b_id, registration_id, show_id, revoked_at, category, name, company = row[:7]
    result.name, result.company, result.category = name, company, str(category)
    if revoked_at is not None:
        result.verdict = Verdict.REVOKED
        log.info("Gate %s refused revoked badge %s", gate, b_id)
        return result
    rules = show_rules(session, show_id)
    scanned_at = _scan_time(at)
    day = scanned_at.astimezone(rules.tz).date()
    allowed_days = rules.valid_days.get(result.category, rules.days)
    if day not in rules.days or day not in allowed_days:
        result.verdict = Verdict.WRONG_DAY
        return result
    window = rules.dedupe_seconds
    bucket = int(scanned_at.timestamp()) // window
    # A repeat is a check-in of the badge at the gate within the window either side: a
    # queued scan sent late, or a scan that waited for the lock behind a later one, may be
    # older than the check-in already stored.
    since = scanned_at - timedelta(seconds=window)
    until = scanned_at + timedelta(seconds=window)
    if rules.deny_reentry:
        earlier = run.first("last_today", {"badge_id": b_id, "day": day})
        if earlier is not None and not (earlier[0] == gate and earlier[1] > since):
            result.verdict = Verdict.ALREADY_INSIDE
            return result
    inserted = run.record(
        {
            "badge_id": b_id,
            "registration_id": registration_id,
            "show_id": show_id,
            "gate": gate,
            "day": day,
            "bucket": bucket,
            "prev_bucket": bucket - 1,
            "next_bucket": bucket + 1,
            "scanned_at": scanned_at,
            "since": since,
            "until": until,
            "client_uuid": client_uuid,
            "user_id": user_id,
        },
        lock_key=f"{code}|{gate}",
    )
    result.verdict = Verdict.ADMITTED if inserted is not None else Verdict.REPEAT
    return result


@dataclass
class QueuedScan:
    code: str
    gate: str
    scanned_at: datetime | None = None
    client_uuid: str | None = None


def check_in_batch(
    session: Session, scans: Iterable[QueuedScan], user_id: int | None = None
) -> list[ScanResult]:
    """Record scans queued by a page that was offline; each is judged like a live scan."""
    ordered = sorted(scans, key=lambda s: s.scanned_at or utcnow())
    return [
        check_in(
            session,
            scan.code,
            scan.gate,
            at=scan.scanned_at,
            client_uuid=scan.client_uuid,
            user_id=user_id,
        )
        for scan in ordered
    ]


def attendance(session: Session, show_id: int) -> list[dict[str, Any]]:
    """Return check-ins per day and gate: scans and distinct people."""
    rows = session.execute(
        select(
            CheckIn.day,
            CheckIn.gate,
            func.count(CheckIn.id),
            func.count(func.distinct(CheckIn.registration_id)),
        )
        .where(CheckIn.show_id == show_id)
        .group_by(CheckIn.day, CheckIn.gate)
        .order_by(CheckIn.day, CheckIn.gate)
    )
    return [{"day": d, "gate": g, "scans": n, "people": p} for d, g, n, p in rows]


def attendance_by_day(session: Session, show_id: int) -> dict[date, int]:
    """Return distinct people admitted per show day."""
    rows = session.execute(
        select(CheckIn.day, func.count(func.distinct(CheckIn.registration_id)))
        .where(CheckIn.show_id == show_id)
        .group_by(CheckIn.day)
        .order_by(CheckIn.day)
    )
    return {d: n for d, n in rows}


def days_attended(session: Session, registration_id: int) -> list[date]:
    """Return the days a registration was admitted at a gate."""
    return list(
        session.scalars(
            select(CheckIn.day)
            .where(CheckIn.registration_id == registration_id)
            .distinct()
            .order_by(CheckIn.day)
        )
    )


@dataclass
class Engagement:
    days_attended: int = 0
    booths_scanned: int = 0
    hot_leads: int = 0


def visitor_engagement(session: Session, show_id: int) -> dict[int, Engagement]:
    """Return, per registration of an edition, days attended and booths that scanned them."""
    out: dict[int, Engagement] = {}
    for registration_id, days in session.execute(
        select(CheckIn.registration_id, func.count(func.distinct(CheckIn.day)))
        .where(CheckIn.show_id == show_id)
        .group_by(CheckIn.registration_id)
    ):
        out.setdefault(registration_id, Engagement()).days_attended = days
    for registration_id, booths, hot in session.execute(
        select(
            Lead.registration_id,
            func.count(func.distinct(Lead.company_id)),
            func.count(Lead.id).filter(Lead.rating == LeadRating.HOT),
        )
        .where(Lead.show_id == show_id)
        .group_by(Lead.registration_id)
    ):
        engagement = out.setdefault(registration_id, Engagement())
        engagement.booths_scanned = booths
        engagement.hot_leads = hot
    return out


# -- leads --------------------------------------------------------------------------------


def _scanner_company(user: User) -> int:
    if user.company_id is None:
        raise ValidationError("company_id", _("This scanner account belongs to no exhibitor."))
    return user.company_id


def capture_lead(
    session: Session,
    user: User,
    code: str,
    *,
    client_uuid: str | None = None,
    at: datetime | None = None,
) -> Lead:
    """Record a badge scanned at an exhibitor's booth as a lead (a repeat scan counts up).

    A scan with a ``client_uuid`` already recorded (a queued scan sent again) returns its
    lead and counts nothing. Raise ValidationError for a forged, unknown or revoked code.
    """
    company_id = _scanner_company(user)
    code = qr.normalize(code or "")
    badge_id = qr.verify(_secret(), code)
    if badge_id is None:
        raise ValidationError("code", _("This is not a valid badge code."))
    badge = session.scalar(select(Badge).where(Badge.code == code))
    if badge is None:
        raise ValidationError("code", _("Unknown badge."))
    if badge.revoked_at is not None:
        raise ValidationError("code", _("This badge was revoked."))
    if client_uuid:
        seen = session.scalar(select(LeadScan.lead_id).where(LeadScan.client_uuid == client_uuid))
        if seen is not None:
            return session.get_one(Lead, seen)  # the same queued scan sent again
    scanned_at = _scan_time(at)
    lead = _company_lead(session, badge, company_id)
    if lead is None:
        lead = Lead(
            show_id=badge.show_id,
            company_id=company_id,
            registration_id=badge.registration_id,
            badge_id=badge.id,
            scanned_by_id=user.id,
            client_uuid=client_uuid,
            scanned_at=scanned_at,
            notes="",
            answers={},
        )
        try:
            with session.begin_nested():
                session.add(lead)
        except IntegrityError:
            # Another scanner of the same exhibitor recorded this visitor at the same moment.
            lead = _company_lead(session, badge, company_id)
            if lead is None:
                raise
        else:
            _record_lead_scan(session, lead, client_uuid, scanned_at)
            log.info("Lead %s captured by %s for company %s", lead.id, user.email, company_id)
            return lead
    if _record_lead_scan(session, lead, client_uuid, scanned_at):
        lead.scan_count += 1
        session.flush()
    return lead


def _company_lead(session: Session, badge: Badge, company_id: int) -> Lead | None:
    return session.scalar(
        select(Lead).where(
            Lead.show_id == badge.show_id,
            Lead.company_id == company_id,
            Lead.registration_id == badge.registration_id,
        )
    )


def _record_lead_scan(
    session: Session, lead: Lead, client_uuid: str | None, scanned_at: datetime
) -> bool:
    """Remember a scan's UUID; False if it was already recorded (the same scan sent twice
    at once, e.g. a queue resent while its first answer was still on the way)."""
    if not client_uuid:
        return True
    try:
        with session.begin_nested():
            session.add(LeadScan(lead_id=lead.id, client_uuid=client_uuid, scanned_at=scanned_at))
    except IntegrityError:
        return False
    return True


@dataclass
class QueuedLead:
    code: str
    scanned_at: datetime | None = None
    client_uuid: str | None = None


def capture_leads(
    session: Session, user: User, scans: Sequence[QueuedLead]
) -> list[tuple[Lead | None, str | None]]:
    """Record lead scans queued by a scanner page that was offline, oldest first.

    Return, in the order given, (lead, None) per scan or (None, why) for a code that is
    refused; one refused code does not stop the others.
    """
    results: list[tuple[Lead | None, str | None]] = [(None, None)] * len(scans)
    for index in sorted(range(len(scans)), key=lambda i: _scan_time(scans[i].scanned_at)):
        scan = scans[index]
        try:
            with session.begin_nested():
                lead = capture_lead(
                    session, user, scan.code, client_uuid=scan.client_uuid, at=scan.scanned_at
                )
        except ValidationError as refused:
            results[index] = (None, refused.message)
        else:
            results[index] = (lead, None)
    return results


def get_lead(session: Session, user: User, lead_id: int) -> Lead:
    """Return a lead the user may see (their own company's; administrators any); NotFound."""
    lead = session.get(Lead, lead_id)
    if lead is None or (user.role is not Role.ADMIN and lead.company_id != user.company_id):
        raise NotFound(_("No lead %(id)s.", id=lead_id))
    return lead


def questions(session: Session, company_id: int) -> list[LeadQuestion]:
    return list(
        session.scalars(
            select(LeadQuestion)
            .where(LeadQuestion.company_id == company_id, LeadQuestion.active.is_(True))
            .order_by(LeadQuestion.position, LeadQuestion.id)
        )
    )


def add_question(
    session: Session,
    company_id: int,
    text: str,
    kind: LeadQuestionKind,
    choices: Sequence[str] = (),
) -> LeadQuestion:
    """Add a qualifying question for an exhibitor; raise ValidationError."""
    text = (text or "").strip()
    if not text or len(text) > 300:
        raise ValidationError("text", _("Write the question (up to 300 characters)."))
    cleaned = [c.strip() for c in choices if c.strip()]
    if kind is LeadQuestionKind.CHOICE and len(cleaned) < 2:
        raise ValidationError("choices", _("A choice question needs at least two answers."))
    position = session.scalar(
        select(func.coalesce(func.max(LeadQuestion.position), 0)).where(
            LeadQuestion.company_id == company_id
        )
    )
    question = LeadQuestion(
        company_id=company_id,
        text=text,
        kind=kind,
        choices=cleaned if kind is LeadQuestionKind.CHOICE else [],
        position=(position or 0) + 1,
    )
    session.add(question)
    session.flush()
    return question


def remove_question(session: Session, company_id: int, question_id: int) -> None:
    question = session.get(LeadQuestion, question_id)
    if question is None or question.company_id != company_id:
        raise NotFound(_("No question %(id)s.", id=question_id))
    question.active = False
    session.flush()


def qualify_lead(
    session: Session,
    lead: Lead,
    *,
    rating: LeadRating | None,
    notes: str,
    answers: dict[str, str],
) -> Lead:
    """Set a lead's rating, notes and answers to the exhibitor's questions; ValidationError."""
    if len(notes or "") > 5000:
        raise ValidationError("notes", _("Notes are limited to 5000 characters."))
    asked = {str(q.id): q for q in questions(session, lead.company_id)}
    clean: dict[str, str] = {}
    for key, value in answers.items():
        value = (value or "").strip()
        if not value:
            continue
        question = asked.get(str(key))
        if question is None:
            raise ValidationError("answers", _("Unknown question %(id)s.", id=key))
        if question.kind is LeadQuestionKind.CHOICE and value not in question.choices:
            raise ValidationError(f"q{key}", _("Pick one of the offered answers."))
        if question.kind is LeadQuestionKind.YESNO and value not in ("yes", "no"):
            raise ValidationError(f"q{key}", _("Answer yes or no."))
        clean[str(key)] = value[:1000]
    lead.rating = rating
    lead.notes = (notes or "").strip()
    lead.answers = clean
    session.flush()
    return lead


CONTACT_FIELDS = ("email", "phone", "title", "job_function", "address")


def lead_card(lead: Lead) -> dict[str, Any]:
    """Return what an exhibitor may see of a lead's visitor.

    Name, company, country and category are printed on the badge, so they are always
    shown; email, phone, title and job function only if the visitor consented to share
    them with exhibitors when registering.
    """
    registration = lead.registration
    person = registration.person
    company = registration.company or person.company
    card: dict[str, Any] = {
        "id": lead.id,
        "name": person.full_name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company": company.name if company else "",
        "country": (person.country or (company.country if company else None) or ""),
        "category": registration.category.value,
        "shared": bool(registration.consent_share),
        "email": None,
        "phone": None,
        "title": None,
        "job_function": None,
        "industry": None,
        "rating": lead.rating.value if lead.rating else None,
        "notes": lead.notes,
        "answers": dict(lead.answers or {}),
        "scan_count": lead.scan_count,
        "scanned_at": lead.scanned_at,
    }
    if registration.consent_share:
        card.update(
            email=person.email,
            phone=person.phone,
            title=person.title,
            job_function=registration.job_function,
            industry=registration.industry,
        )
    return card


def company_leads(session: Session, company_id: int, show_id: int | None = None) -> list[Lead]:
    """Return an exhibitor's leads, newest first (of one edition, if given)."""
    statement = select(Lead).where(Lead.company_id == company_id)
    if show_id is not None:
        statement = statement.where(Lead.show_id == show_id)
    return list(session.scalars(statement.order_by(Lead.scanned_at.desc(), Lead.id.desc())))


def leads_by_exhibitor(session: Session, show_id: int) -> list[dict[str, Any]]:
    """Return lead counts per exhibiting company at an edition (for return-on-show KPIs)."""
    rows = session.execute(
        select(
            Lead.company_id,
            Company.name,
            func.count(Lead.id),
            func.count(Lead.id).filter(Lead.rating == LeadRating.HOT),
            func.count(Lead.id).filter(Lead.rating == LeadRating.WARM),
            func.count(Lead.id).filter(Lead.rating == LeadRating.COLD),
            func.count(Lead.id).filter(Lead.registration.has(Registration.consent_share)),
        )
        .join(Company, Company.id == Lead.company_id)
        .where(Lead.show_id == show_id)
        .group_by(Lead.company_id, Company.name)
        .order_by(func.count(Lead.id).desc(), Company.name)
    )
    return [
        {
            "company_id": cid,
            "company": name,
            "leads": total,
            "hot": hot,
            "warm": warm,
            "cold": cold,
            "with_contact": shared,
        }
        for cid, name, total, hot, warm, cold, shared in rows
    ]


def scanned_companies(session: Session, registration_id: int) -> list[int]:
    """Return the exhibitors whose booths scanned a registration."""
    return list(
        session.scalars(
            select(Lead.company_id).where(Lead.registration_id == registration_id).distinct()
        )
    )


def find_registrations(session: Session, show_id: int, text: str, limit: int = 50) -> list[Any]:
    """Find registrations of an edition by name, email or badge code (for the badge desk)."""
    text = (text or "").strip()
    if not text:
        return []
    statement = (
        select(Registration)
        .join(Person, Person.id == Registration.person_id)
        .where(Registration.show_id == show_id)
    )
    code = qr.normalize(text)
    if qr.verify(_secret(), code):
        statement = statement.join(Badge, Badge.registration_id == Registration.id).where(
            Badge.code == code
        )
    else:
        like = f"%{text.casefold()}%"
        statement = statement.where(
            func.lower(Person.full_name).like(like)
            | func.lower(Person.email).like(like)
            | and_(
                Registration.confirmation_code.is_not(None),
                func.lower(Registration.confirmation_code) == text.casefold(),
            )
        )
    return list(
        session.scalars(statement.order_by(Person.last_name, Person.full_name).limit(limit))
    )
