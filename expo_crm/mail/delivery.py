"""Deliver the outbox over SMTP: one message at a time, each step committed.

What the outbox guarantees
--------------------------
* **Never lost.** A message is a committed row before anything is sent, and leaves the
  ``queued`` state only for ``sent`` (the server answered 250 to its content), ``failed``
  (the server refused the address for good, or it ran out of attempts: the server's answer
  is kept and staff can send it again) or ``unsure`` (below). A refused connection, a
  temporary answer (4xx), a timeout or a vanished server puts it back to ``queued`` with
  the answer and a later ``next_attempt_at`` (exponential back-off).
* **Never sent twice.** A sender first *claims* a message (``queued`` -> ``sending`` by a
  conditional UPDATE, committed), so two senders never take the same one. Just before the
  content goes to the server (SMTP DATA) it commits ``handed_over_at``; the server's 250
  is then committed as ``sent``. A claim older than the lease belongs to a dead sender:
  without ``handed_over_at`` the server cannot have the content, so the message is queued
  again; with it, the server may have accepted it before the sender died, so it becomes
  ``unsure`` and is **not** resent by itself (staff see it and may send it again). The
  same holds when the connection drops after the content was sent but before the answer.
  The only window where a duplicate is possible is therefore a staff "send again" of an
  ``unsure`` message; the Message-ID header is the same on every attempt, so a mailbox
  can still tell.

Delivery runs on the job queue: after a commit that queued mail, :func:`kick` starts
:func:`deliver_due` on RQ (``REDIS_URL``; the worker must run with its scheduler for
back-off retries, as ``expo-crm jobs worker`` does) or in a thread of this process. A run
that leaves messages waiting for a retry schedules itself for the earliest. ``expo-crm mail
send`` does the same from the command line (a cron safety net). Without ``SMTP_HOST``
nothing is sent: messages wait in the outbox, which the back office shows.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.utils import parseaddr
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.mail.compose import build_email
from expo_crm.mail.models import Message, MessageState

log = logging.getLogger(__name__)

#: Attempts before a message that keeps failing temporarily is given up (``failed``).
MAX_ATTEMPTS = 10
#: Back-off after the n-th failed attempt: base * 2**(n-1), at most the cap.
RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 6 * 3600
#: A claim older than this belongs to a sender that died (an attempt takes seconds).
LEASE_SECONDS = 600
#: Messages one run delivers at most before handing over to the next run.
RUN_LIMIT = 500


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  #: starttls, ssl or off
    user: str | None
    password: str | None
    sender: str
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Any) -> SmtpSettings | None:
        """Read the SMTP settings, or None when no server is configured."""
        host = config.get("SMTP_HOST")
        if not host:
            return None
        tls = str(config.get("SMTP_TLS") or "starttls").lower()
        if tls not in ("starttls", "ssl", "off"):
            raise ValueError(f"SMTP_TLS must be starttls, ssl or off, not {tls!r}")
        port = config.get("SMTP_PORT") or {"ssl": 465, "starttls": 587}.get(tls, 25)
        return cls(
            host=host,
            port=int(port),
            tls=tls,
            user=config.get("SMTP_USER"),
            password=config.get("SMTP_PASSWORD"),
            sender=config.get("MAIL_SENDER") or "no-reply@localhost",
            timeout=float(config.get("SMTP_TIMEOUT", 30)),
        )

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1] or self.sender

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.tls == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                client.starttls(context=context)
        if self.user:
            client.login(self.user, self.password or "")
        return client


@dataclass
class DeliveryRun:
    """What one run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    unsure: int = 0
    #: When the earliest message still waiting is due (None: nothing waits).
    next_due: datetime | None = None
    errors: list[str] = field(default_factory=list)
    #: Set when the run stopped because the server could not be reached.
    server_away_until: datetime | None = None


class TemporaryFailure(Exception):
    """Try again later (4xx answer, connection trouble)."""


class PermanentFailure(Exception):
    """Never try again (5xx answer to the recipient or the content)."""

    def __init__(self, answer: str, bounced: bool) -> None:
        super().__init__(answer)
        self.bounced = bounced


class Interrupted(Exception):
    """The connection dropped after the content was handed over: the server may have it."""


def retry_delay(attempts: int, base: float = RETRY_BASE_SECONDS) -> timedelta:
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS))


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()[:1000]


# -- one run ---------------------------------------------------------------------------------


def recover_stale(session: Session, now: datetime | None = None) -> int:
    """Settle claims of senders that died: queue again, or mark unsure if handed over."""
    now = now or utcnow()
    stale = now - timedelta(seconds=LEASE_SECONDS)
    base = update(Message).where(Message.state == MessageState.SENDING, Message.claimed_at < stale)
    requeued: Any = session.execute(
        base.where(Message.handed_over_at.is_(None)).values(
            state=MessageState.QUEUED,
            next_attempt_at=now,
            last_error="The sender stopped before handing the message over; queued again.",
        )
    )
    unsure: Any = session.execute(
        base.where(Message.handed_over_at.is_not(None)).values(
            state=MessageState.UNSURE,
            last_error=(
                "The sender stopped while the server was taking the message: it may have "
                "been delivered. Not resent automatically."
            ),
        )
    )
    requeued, unsure = requeued.rowcount, unsure.rowcount
    if requeued or unsure:
        log.warning("Outbox recovery: %s queued again, %s unsure", requeued, unsure)
    return int(requeued or 0) + int(unsure or 0)


def _claim(session: Session, now: datetime) -> Message | None:
    """Take the next due message for this sender, or None (the claim is committed).

    One UPDATE takes it (a write first, so SQLite never has to upgrade a read
    transaction); on PostgreSQL the row is picked with SKIP LOCKED, so concurrent senders
    take different messages instead of queueing behind one.
    """
    due = and_(
        Message.state == MessageState.QUEUED,
        or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
    )
    for _ in range(20):  # a lost race on SQLite: try the next one
        pick = (
            select(Message.id)
            .where(due)
            .order_by(Message.next_attempt_at.is_not(None), Message.next_attempt_at, Message.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        taken = session.execute(
            update(Message)
            .where(Message.id == pick, Message.state == MessageState.QUEUED)
            .values(
                state=MessageState.SENDING,
                claimed_at=now,
                handed_over_at=None,
                attempts=Message.attempts + 1,
            )
            .returning(Message.id)
        ).scalar_one_or_none()
        session.commit()
        if taken is not None:
            message = session.get(Message, taken, populate_existing=True)
            session.commit()  # end the read: the next write starts its own transaction
            return message
        if session.scalar(select(Message.id).where(due).limit(1)) is None:
            session.rollback()
            return None
        session.rollback()
    return None


def _hand_over(
    session: Session, client: smtplib.SMTP, settings: SmtpSettings, message: Message
) -> str:
    """Send one claimed message on an open connection; return the server's answer."""
    content = build_email(message, settings.sender).as_bytes(policy=policy.SMTP)  # CRLF lines
    client.ehlo_or_helo_if_needed()
    code, text = client.mail(settings.envelope_sender)
    if code != 250:
        client.rset()
        raise TemporaryFailure(_answer(code, text))  # the sender's problem, not the address's
    code, text = client.rcpt(message.to_address)
    if code not in (250, 251):
        client.rset()
        if 500 <= code < 600:
            raise PermanentFailure(_answer(code, text), bounced=True)
        raise TemporaryFailure(_answer(code, text))
    message.handed_over_at = utcnow()
    session.commit()  # from here on, a dead sender leaves the message unsure, never resent
    try:
        code, text = client.data(content)
    except smtplib.SMTPDataError as exc:  # DATA itself refused: the content never went
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(_answer(exc.smtp_code, exc.smtp_error), False) from exc
        raise TemporaryFailure(_answer(exc.smtp_code, exc.smtp_error)) from exc
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise Interrupted(f"{type(exc).__name__}: {exc}") from exc
    if code == 250:
        return _answer(code, text)
    if 500 <= code < 600:
        raise PermanentFailure(_answer(code, text), bounced=False)
    raise TemporaryFailure(_answer(code, text))


def _settle(session: Session, message: Message, state: MessageState, **values: Any) -> None:
    message.state = state
    for key, value in values.items():
        setattr(message, key, value)
    session.commit()


def deliver_due(
    app: Flask, *, limit: int = RUN_LIMIT, retry_base: float | None = None
) -> DeliveryRun:
    """Deliver the messages that are due, each step committed; return what happened."""
    from expo_crm.extensions import db

    run = DeliveryRun()
    with app.app_context():
        settings = SmtpSettings.from_config(app.config)
        if settings is None:
            return run
        base = (
            retry_base
            if retry_base is not None
            else app.config.get("MAIL_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
        )
        with Session(db.engine, expire_on_commit=False) as session:
            recover_stale(session)
            session.commit()
            client: smtplib.SMTP | None = None
            try:
                for _ in range(limit):
                    message = _claim(session, utcnow())
                    if message is None:
                        break
                    try:
                        if client is None:
                            client = settings.connect()
                        answer = _hand_over(session, client, settings, message)
                    except PermanentFailure as exc:
                        _settle(
                            session, message, MessageState.FAILED,
                            last_error=str(exc), bounced=exc.bounced,
                        )  # fmt: skip
                        run.failed += 1
                        log.warning("Message %s refused: %s", message.id, exc)
                    except Interrupted as exc:
                        client = _drop(client)  # type: ignore[func-returns-value]
                        _settle(
                            session, message, MessageState.UNSURE,
                            last_error=f"Connection lost after the content was sent ({exc}); "
                            "it may have been delivered. Not resent automatically.",
                        )  # fmt: skip
                        run.unsure += 1
                        log.warning("Message %s unsure: %s", message.id, exc)
                    except (TemporaryFailure, smtplib.SMTPException, OSError) as exc:
                        client = _drop(client)  # type: ignore[func-returns-value]
                        error = _describe(exc)
                        if message.attempts >= MAX_ATTEMPTS:
                            _settle(session, message, MessageState.FAILED, last_error=error)
                            run.failed += 1
                        else:
                            _settle(
                                session, message, MessageState.QUEUED,
                                last_error=error, claimed_at=None, handed_over_at=None,
                                next_attempt_at=utcnow() + retry_delay(message.attempts, base),
                            )  # fmt: skip
                            run.retried += 1
                        run.errors.append(error)
                        log.info("Message %s not sent (attempt %s): %s", message.id,
                                 message.attempts, error)  # fmt: skip
                        if isinstance(exc, OSError | smtplib.SMTPServerDisconnected):
                            # The server is away: the rest waits as long as this one does.
                            run.server_away_until = message.next_attempt_at or utcnow()
                            break
                    else:
                        _settle(
                            session, message, MessageState.SENT,
                            sent_at=utcnow(), last_error=None, next_attempt_at=None,
                        )  # fmt: skip
                        run.sent += 1
                        log.info("Message %s sent to %s: %s", message.id, message.to_address,
                                 answer)  # fmt: skip
            finally:
                _drop(client)
            run.next_due = _next_due(session)
            if run.next_due is not None and run.server_away_until is not None:
                run.next_due = max(run.next_due, run.server_away_until)
    return run


def _next_due(session: Session) -> datetime | None:
    """When the earliest queued message is due (now for one due already), or None."""
    row = session.execute(
        select(Message.next_attempt_at)
        .where(Message.state == MessageState.QUEUED)
        .order_by(Message.next_attempt_at.is_not(None), Message.next_attempt_at)
        .limit(1)
    ).first()
    if row is None:
        return None
    return row[0] or utcnow()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _answer(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, socket.timeout | TimeoutError):
        return "The mail server did not answer in time."
    return str(exc) if isinstance(exc, TemporaryFailure) else f"{type(exc).__name__}: {exc}"


def _drop(client: smtplib.SMTP | None) -> None:
    if client is None:
        return None
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
    return None


# -- running on the job queue ----------------------------------------------------------------

_pump_lock = threading.Lock()
_pump_again = threading.Event()


def kick(app: Flask | None = None, delay: float = 0.0) -> None:
    """Start delivery after a commit that queued mail (does nothing without SMTP)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if SmtpSettings.from_config(app.config) is None:
        return
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        from expo_crm.jobs.services import QUEUE_NAME

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), deliver_in_worker, result_ttl=0)
        else:
            queue.enqueue(deliver_in_worker, result_ttl=0)
        return
    timer = threading.Timer(max(delay, 0.0), _pump, args=(app,))
    timer.daemon = True
    timer.name = "mail-delivery"
    timer.start()


def _pump(app: Flask) -> None:
    """Deliver in this process, one run at a time; reschedule for the next retry."""
    if not _pump_lock.acquire(blocking=False):
        _pump_again.set()  # the running pump goes round once more
        return
    try:
        while True:
            _pump_again.clear()
            run = deliver_due(app)
            if not _pump_again.is_set():
                break
    except Exception:  # a thread has no one to report to but the log
        log.exception("Mail delivery failed")
        return
    finally:
        _pump_lock.release()
    _reschedule(app, run)


def _reschedule(app: Flask, run: DeliveryRun) -> None:
    if run.next_due is not None:
        kick(app, delay=max((run.next_due - utcnow()).total_seconds(), 1.0))


_worker_app: Flask | None = None


def deliver_in_worker() -> dict[str, int]:
    """RQ entry point: one app per worker process, as ``jobs.services.run_in_worker``."""
    global _worker_app
    from expo_crm import create_app
    from expo_crm.extensions import db

    if _worker_app is None:
        _worker_app = create_app()
    try:
        run = deliver_due(_worker_app)
        _reschedule(_worker_app, run)
    finally:
        with _worker_app.app_context():
            db.engine.dispose()
    return {"sent": run.sent, "retried": run.retried, "failed": run.failed}
