"""Fixtures of the mail tests: a real SMTP server and the app pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask

from expo_crm.shows.models import Show
from expo_crm.visitors import registering as visitors
from expo_crm.visitors.models import Registration, RegistrationSource
from tests.mail.smtp import Mailbox, smtp_config, smtp_server


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, int]]:
    """A running SMTP server; the app sends to it, and only when a test says so."""
    with smtp_server() as (mailbox, port):
        for key, value in smtp_config(port).items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.config, "MAIL_AUTO_DELIVER", False)
        monkeypatch.setitem(app.config, "PUBLIC_URL", "https://expo.example")
        yield mailbox, port


def ensure_show(session: Any, code: str = "EXPO2026") -> Show:
    show = session.query(Show).filter_by(code=code).one_or_none()
    if show is None:
        show = Show(
            code=code,
            name="ExpoTech 2026",
            year=2026,
            venue="Expo Center Norte",
            city="São Paulo",
            country="BR",
            starts_on=date(2026, 10, 6),
            ends_on=date(2026, 10, 9),
            currency="BRL",
            phone_region="BR",
        )
        session.add(show)
        session.flush()
    return show


@pytest.fixture
def preregister() -> Callable[..., Registration]:
    """Pre-register a visitor the way the public page does, in the current ``db.session``
    (committed by the caller)."""

    def register(
        email: str = "ana.silva@cliente.example",
        name: str = "Ana Silva",
        language: str = "en",
        marketing: bool = True,
        show_code: str = "EXPO2026",
    ) -> Registration:
        from expo_crm.extensions import db

        return visitors.register_visitor(
            db.session,
            ensure_show(db.session, show_code),
            {"name": name, "emails": [email], "company": "Cliente Ltda"},
            {"industry": "Packaging", "job_function": "Purchasing"},
            {"marketing": marketing, "share": False},
            RegistrationSource.PREREGISTERED,
            language=language,
        )

    return register
