"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1), with switchable answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the server received, and how it answers (None: accept)."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    rcpt_answer: str | None = None
    data_answer: str | None = None
    #: Close the connection after taking the content, without answering.
    vanish_after_data: bool = False
    #: Set while a DATA or RCPT is held; released by ``release``.
    hold_rcpt: bool = False
    hold_data: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:  # noqa: E501
        if self.hold_rcpt:
            self.holding.set()
            while not self.release.is_set():
                await _sleep()
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_answer:
            return self.data_answer
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.hold_data:
            self.holding.set()
            while not self.release.is_set():
                await _sleep()
        if self.vanish_after_data:
            server.transport.abort()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.02)


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[Mailbox, int]]:
    """Run an SMTP server on 127.0.0.1 until the block ends."""
    mailbox = Mailbox()
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        yield mailbox, port
    finally:
        mailbox.release.set()
        controller.stop()


def smtp_config(port: int) -> dict[str, Any]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_TLS": "off",
        "SMTP_USER": None,
        "MAIL_SENDER": "ExpoTech <news@expotech.example>",
        "SMTP_TIMEOUT": 5,
    }
