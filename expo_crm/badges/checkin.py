"""Gate check-in: judge a scanned badge (forged, unknown, revoked, wrong day, already
inside, a repeat) and record an admission once; attendance per day and gate.

:func:`check_in` is the hot path: a signature check in Python, one indexed look-up, one
idempotent insert (:mod:`.checkin_sql`: two round trips to PostgreSQL on a pooled connection
of its own), with the show's rules (:mod:`.rules`) and the answer's texts kept in small
per-process caches. Scans from gate devices this process already knows reach it through the
lane in :mod:`expo_crm.badges.gate`, without Flask's request machinery.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.badges import qr, scans
from expo_crm.badges.checkin_sql import Runner
from expo_crm.badges.models import CATEGORY_LABELS, CheckIn
from expo_crm.badges.rules import show_rules
from expo_crm.db import utcnow

log = logging.getLogger(__name__)


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
    gate = scans.normalize_gate(gate)
    code = qr.normalize(code or "")
    result = ScanResult(Verdict.UNKNOWN, client_uuid=client_uuid)
    badge_id = qr.verify(qr.app_secret(), code)
    if badge_id is None:
        result.verdict = Verdict.FORGED if len(code) == qr.CODE_LENGTH else Verdict.UNKNOWN
        log.info("Gate %s refused code %r: %s", gate, code[:40], result.verdict)
        return result
    run = Runner(session)
    with run.own_transactions():
        return _judge_and_record(session, run, result, code, gate, at, client_uuid, user_id)


def _judge_and_record(
    session: Session,
    run: Runner,
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
    scanned_at = scans.plausible_time(at)
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


def check_in_batch(
    session: Session, queued: Iterable[scans.Scan], user_id: int | None = None
) -> list[ScanResult]:
    """Record scans queued by a page that was offline; each is judged like a live scan."""
    ordered = sorted(queued, key=lambda s: s.scanned_at or utcnow())
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
