"""The outbox against a real SMTP server: arrival, refusals, a vanished server, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.mail import delivery, outbox
from expo_crm.mail.models import Message, MessageState
from tests.mail.smtp import free_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]


def _confirm(committed_db: Any, preregister: Any, **kwargs: Any) -> int:
    registration = preregister(**kwargs)
    message = outbox.send_registration_confirmation(committed_db.session, registration)
    committed_db.session.commit()
    return message.id


def _message(committed_db: Any, message_id: int) -> Message:
    with Session(committed_db.engine, expire_on_commit=False) as session:
        return session.get(Message, message_id)


def _parts(email: Any) -> dict[str, Any]:
    return {part.get_content_type(): part for part in email.walk() if not part.is_multipart()}


def test_confirmation_arrives_with_parts_language_and_qr(app, committed_db, smtp, preregister):
    mailbox, _port = smtp
    message_id = _confirm(committed_db, preregister)
    code = _message(committed_db, message_id).body_text.split("confirmation code is ")[1][:8]

    run = delivery.deliver_due(app)

    assert (run.sent, run.retried, run.failed) == (1, 0, 0)
    [(mail_from, rcpt, email)] = mailbox.received
    assert mail_from == "news@expotech.example"
    assert rcpt == ["ana.silva@cliente.example"]
    assert email["To"] == "Ana Silva <ana.silva@cliente.example>"
    assert email["Subject"] == "Your registration for ExpoTech 2026"
    assert email["Content-Language"] == "en"
    assert email["List-Unsubscribe"] is None  # transactional: no consent needed, no unsubscribe
    parts = _parts(email)
    assert set(parts) == {"text/plain", "text/html", "image/png"}
    assert code in parts["text/plain"].get_content()
    assert "6–9 October 2026" in parts["text/plain"].get_content()
    assert 'src="cid:qr-code"' in parts["text/html"].get_content()
    assert parts["image/png"]["Content-ID"] == "<qr-code>"
    # The inline image is a QR code that a camera reads as the confirmation code.
    png = Path(app.config["MEDIA_DIR"]) / "qr-test.png"
    png.write_bytes(parts["image/png"].get_content())
    [decoded] = zxingcpp.read_barcodes(Image.open(png))
    assert decoded.text == code
    sent = _message(committed_db, message_id)
    assert sent.state is MessageState.SENT
    assert sent.sent_at is not None
    assert sent.attempts == 1
    assert email["Message-ID"] == f"<{sent.message_id}@expotech.example>"


def test_chinese_visitor_gets_chinese_message(app, committed_db, smtp, preregister):
    mailbox, _port = smtp
    _confirm(committed_db, preregister, email="wang.wei@cliente.example", name="王伟",
             language="zh_Hans_CN")  # fmt: skip
    delivery.deliver_due(app)
    [(_f, _r, email)] = mailbox.received
    assert email["Subject"] == "您的ExpoTech 2026登记确认"
    assert email["Content-Language"] == "zh-Hans"
    text = _parts(email)["text/plain"].get_content()
    assert text.startswith("王伟，您好")
    assert "2026年10月6日至9日" in text
    assert _parts(email)["text/plain"].get_content_charset() == "utf-8"


def test_refused_then_accepted_is_sent_once(app, committed_db, smtp, preregister):
    mailbox, _port = smtp
    message_id = _confirm(committed_db, preregister)
    mailbox.rcpt_answer = "451 4.3.0 Try again later"

    run = delivery.deliver_due(app)

    assert (run.sent, run.retried) == (0, 1)
    waiting = _message(committed_db, message_id)
    assert waiting.state is MessageState.QUEUED
    assert waiting.attempts == 1
    assert waiting.last_error.startswith("451 4.3.0 Try again later")
    assert waiting.next_attempt_at > utcnow() + timedelta(seconds=50)  # back-off
    assert run.next_due == waiting.next_attempt_at
    # Not due yet: another run leaves it alone.
    mailbox.rcpt_answer = None
    assert delivery.deliver_due(app).sent == 0
    _make_due(committed_db, message_id)
    assert delivery.deliver_due(app).sent == 1
    assert delivery.deliver_due(app).sent == 0
    assert len(mailbox.received) == 1
    done = _message(committed_db, message_id)
    assert (done.state, done.attempts, done.last_error) == (MessageState.SENT, 2, None)


def _make_due(committed_db: Any, message_id: int) -> None:
    with committed_db.engine.begin() as connection:
        connection.execute(
            update(Message).where(Message.id == message_id).values(next_attempt_at=utcnow())
        )


def test_back_off_grows_and_gives_up_with_the_answer(app, committed_db, smtp, preregister):
    mailbox, _port = smtp
    message_id = _confirm(committed_db, preregister)
    mailbox.rcpt_answer = "452 4.2.2 Mailbox full"
    delays = []
    for _ in range(delivery.MAX_ATTEMPTS):
        before = utcnow()
        delivery.deliver_due(app)
        message = _message(committed_db, message_id)
        if message.state is MessageState.QUEUED:
            delays.append((message.next_attempt_at - before).total_seconds())
            _make_due(committed_db, message_id)
    assert delays[:3] == pytest.approx([60, 120, 240], abs=2)
    assert len(delays) == delivery.MAX_ATTEMPTS - 1
    given_up = _message(committed_db, message_id)
    assert given_up.state is MessageState.FAILED
    assert given_up.last_error.startswith("452 4.2.2 Mailbox full")
    assert mailbox.received == []


def test_address_refused_for_good_fails_as_bounced(app, committed_db, smtp, preregister):
    mailbox, _port = smtp
    message_id = _confirm(committed_db, preregister)
    mailbox.rcpt_answer = "550 5.1.1 No such user"
    run = delivery.deliver_due(app)
    assert run.failed == 1
    failed = _message(committed_db, message_id)
    assert (failed.state, failed.bounced) == (MessageState.FAILED, True)
    assert failed.last_error == "550 5.1.1 No such user"
    mailbox.rcpt_answer = None
    assert delivery.deliver_due(app).sent == 0  # never retried by itself


def test_vanished_server_keeps_the_message_queued_until_it_returns(
    app, committed_db, monkeypatch, preregister
):
    port = free_port()  # nobody listens here yet
    from tests.mail.smtp import smtp_config

    for key, value in smtp_config(port).items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.config, "MAIL_AUTO_DELIVER", False)
    first = _confirm(committed_db, preregister)
    second = _confirm(committed_db, preregister, email="joao@cliente.example", name="João")

    run = delivery.deliver_due(app)

    assert run.sent == 0
    waiting = [_message(committed_db, first), _message(committed_db, second)]
    assert [m.state for m in waiting] == [MessageState.QUEUED, MessageState.QUEUED]
    assert "Connection refused" in waiting[0].last_error
    # The run stopped at the first refusal, and waits as long for the next try.
    assert waiting[1].attempts == 0
    assert run.next_due == waiting[0].next_attempt_at
    with smtp_server(port) as (mailbox, _port):
        _make_due(committed_db, first)
        assert delivery.deliver_due(app).sent == 2
        assert delivery.deliver_due(app).sent == 0
        assert sorted(r for _f, [r], _e in mailbox.received) == [
            "ana.silva@cliente.example",
            "joao@cliente.example",
        ]


def test_connection_lost_after_content_is_unsure_and_not_resent(
    app, committed_db, smtp, preregister
):
    mailbox, _port = smtp
    message_id = _confirm(committed_db, preregister)
    mailbox.vanish_after_data = True

    run = delivery.deliver_due(app)

    assert run.unsure == 1
    unsure = _message(committed_db, message_id)
    assert unsure.state is MessageState.UNSURE
    assert "may have been delivered" in unsure.last_error
    mailbox.vanish_after_data = False
    assert delivery.deliver_due(app).sent == 0
    assert len(mailbox.received) == 1  # the server got it once, and only once
    # Staff may decide to send it again; then it goes out again.
    with Session(committed_db.engine) as session:
        outbox.send_again(session, session.get(Message, message_id))
        session.commit()
    assert delivery.deliver_due(app).sent == 1
    assert len(mailbox.received) == 2


def test_two_senders_at_once_never_send_a_message_twice(app, committed_db, smtp, preregister):
    mailbox, _port = smtp
    ids = [
        _confirm(committed_db, preregister, email=f"v{i}@cliente.example", name=f"Visitor {i}")
        for i in range(12)
    ]
    runs: list[Any] = []
    senders = [
        threading.Thread(target=lambda: runs.append(delivery.deliver_due(app))) for _ in range(3)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    assert sum(run.sent for run in runs) == 12
    message_ids = [email["Message-ID"] for _f, _r, email in mailbox.received]
    assert len(message_ids) == 12 == len(set(message_ids))
    states = {_message(committed_db, i).state for i in ids}
    assert states == {MessageState.SENT}


def _sender_process(database_url: str, port: int) -> subprocess.Popen:
    """Run one delivery in another process, as a worker would."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_TLS": "off",
        "MAIL_SENDER": "news@expotech.example",
    }
    code = "from expo_crm import create_app; from expo_crm.mail import delivery; " \
           "delivery.deliver_due(create_app())"  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_sender_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(
    app, committed_db, smtp, preregister, database_url, stage
):
    """A sender process killed while the server holds the recipient (before the content)
    or the content (before its answer): recovery queues the first again and marks the
    second unsure, so the visitor gets the message exactly once either way."""
    mailbox, port = smtp
    message_id = _confirm(committed_db, preregister)
    setattr(mailbox, f"hold_{stage}", True)
    sender = _sender_process(database_url, port)
    try:
        assert mailbox.holding.wait(60), "the sender never reached the server"
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
    finally:
        if sender.poll() is None:
            sender.kill()
    mailbox.release.set()
    setattr(mailbox, f"hold_{stage}", False)
    dead = _message(committed_db, message_id)
    assert dead.state is MessageState.SENDING
    assert (dead.handed_over_at is not None) == (stage == "data")
    # Within the lease nothing touches it; after it, recovery settles it.
    with Session(committed_db.engine) as session:
        assert delivery.recover_stale(session) == 0
        later = utcnow() + timedelta(seconds=delivery.LEASE_SECONDS + 1)
        assert delivery.recover_stale(session, now=later) == 1
        session.commit()
    settled = _message(committed_db, message_id)
    if stage == "rcpt":
        assert settled.state is MessageState.QUEUED
        _make_due(committed_db, message_id)
        assert delivery.deliver_due(app).sent == 1
    else:
        assert settled.state is MessageState.UNSURE
        assert delivery.deliver_due(app).sent == 0
    mailbox.wait_for(1)
    assert len(mailbox.received) == 1


def test_commit_that_queues_mail_starts_delivery_in_a_thread(
    app, committed_db, smtp, preregister, monkeypatch
):
    mailbox, _port = smtp
    monkeypatch.setitem(app.config, "MAIL_AUTO_DELIVER", True)
    message_id = _confirm(committed_db, preregister)  # the commit kicks a delivery thread
    mailbox.wait_for(1)
    assert len(mailbox.received) == 1
    for _ in range(100):
        if _message(committed_db, message_id).state is MessageState.SENT:
            break
        threading.Event().wait(0.05)
    assert _message(committed_db, message_id).state is MessageState.SENT


def test_delivery_runs_on_the_redis_queue(
    app, committed_db, smtp, preregister, monkeypatch, database_url
):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    from expo_crm.jobs.services import QUEUE_NAME

    mailbox, port = smtp
    url = "redis://127.0.0.1:6379/15"
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "MAIL_AUTO_DELIVER", True)
    message_id = _confirm(committed_db, preregister)
    queue = Queue(QUEUE_NAME, connection=connection)
    assert queue.count == 1
    assert _message(committed_db, message_id).state is MessageState.QUEUED
    # The worker builds its own app from the environment, as `expo-crm jobs worker` does.
    for key, value in {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_TLS": "off",
        "EXPO_CRM_MEDIA": str(app.config["MEDIA_DIR"]),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert _message(committed_db, message_id).state is MessageState.SENT
    assert len(mailbox.received) == 1
    connection.flushdb()


def test_without_smtp_messages_wait_in_the_outbox(app, committed_db, preregister, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    message_id = _confirm(committed_db, preregister)
    assert delivery.deliver_due(app).sent == 0
    assert _message(committed_db, message_id).state is MessageState.QUEUED
    with Session(committed_db.engine) as session:
        assert session.scalar(select(Message.attempts).where(Message.id == message_id)) == 0


def test_preregistration_page_sends_the_confirmation(app, client, db, monkeypatch):
    from tests.mail.conftest import ensure_show

    ensure_show(db)
    db.commit()
    response = client.post(
        "/visitors/register/EXPO2026",
        data={
            "name": "Li Na",
            "email": "Li.Na@cliente.example",
            "company": "Cliente Ltda",
            "category": "trade",
            "industry": "Packaging",
            "job_function": "Purchasing",
            "consent_marketing": "y",
        },
    )
    assert response.status_code == 200
    [message] = db.scalars(select(Message)).all()
    assert message.to_address == "li.na@cliente.example"
    assert message.topic == "registration_confirmation"
    assert message.qr_payload
    assert message.qr_payload in response.get_data(as_text=True)
