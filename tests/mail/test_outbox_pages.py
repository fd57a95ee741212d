"""The outbox in the back office: who sees it, what it shows, sending again."""

from __future__ import annotations

import pytest

from expo_crm.auth.roles import Role
from expo_crm.mail import outbox
from expo_crm.mail.models import Message, MessageState


@pytest.fixture
def queued(db, preregister) -> Message:
    message = outbox.send_registration_confirmation(db, preregister())
    db.commit()
    return message


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.SALES, 200),
        (Role.FINANCE, 403),
        (Role.ONSITE, 403),
        (Role.KIOSK, 403),
        (Role.SCANNER, 403),
    ],
)
def test_outbox_pages_by_role(as_role, queued, role, status):
    client = as_role(role)
    assert client.get("/mail/").status_code == status
    assert client.get(f"/mail/messages/{queued.id}").status_code == status
    assert client.post(f"/mail/messages/{queued.id}/again").status_code in (
        (status,) if status == 403 else (302,)
    )
    assert client.post("/mail/deliver").status_code == (302 if status == 200 else 403)


def test_outbox_without_smtp_keeps_and_shows_messages(as_role, queued, app):
    page = as_role(Role.SALES).get("/mail/")
    text = page.get_data(as_text=True)
    assert 'id="no-smtp"' in text
    assert "ana.silva@cliente.example" in text
    assert "Your registration for ExpoTech 2026" in text
    assert "Queued (1)" in text
    shown = as_role(Role.ADMIN).get(f"/mail/messages/{queued.id}").get_data(as_text=True)
    assert "Plain-text part" in shown
    assert "sandbox" in shown  # the HTML part is shown in a sandboxed frame


def test_outbox_in_chinese(as_role):
    zh = as_role(Role.SALES)
    with zh.session_transaction() as session:
        session["locale"] = "zh_Hans_CN"
    text = zh.get("/mail/").get_data(as_text=True)
    assert "<h1>发件箱</h1>" in text
    assert "排队中 (0)" in text


def test_only_failed_or_interrupted_messages_are_sent_again(as_role, queued, db):
    client = as_role(Role.SALES)
    refused = client.post(f"/mail/messages/{queued.id}/again")
    assert refused.status_code == 302
    assert db.get(Message, queued.id).state is MessageState.QUEUED
    db.get(Message, queued.id).state = MessageState.UNSURE
    db.commit()
    client.post(f"/mail/messages/{queued.id}/again")
    again = db.get(Message, queued.id)
    db.refresh(again)
    assert again.state is MessageState.QUEUED
    assert again.attempts == 0


def test_unknown_message_is_404(as_role):
    assert as_role(Role.SALES).get("/mail/messages/999999").status_code == 404
