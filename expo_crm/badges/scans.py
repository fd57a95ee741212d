"""What a scanning page sends: a badge code, the gate, when it was read and the page's id of
the scan. One reader of that body serves the gate route, the gate's express lane
(:mod:`expo_crm.badges.gate`) and the lead scanner, so they accept exactly the same scans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from expo_crm.db import utcnow
from expo_crm.errors import DomainError, ValidationError

MAX_GATE_LENGTH = 40


@dataclass(slots=True)
class Scan:
    """One scan as a page sent it (the code not yet checked)."""

    code: str
    gate: str
    #: When the page read the badge (a queued scan); None for "now".
    scanned_at: datetime | None = None
    #: The page's id of the scan (a UUID it made), so a scan sent twice counts once.
    client_uuid: str | None = None


def read_scan(data: Any, *, gate: bool = True) -> Scan:
    """Read a scan body (``{code, gate, scanned_at?, client_uuid?}``; a lead scanner's has no
    gate when ``gate`` is False); raise DomainError for a body that is not one, and
    ValidationError for a bad field."""
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        raise DomainError(_("Send {code, gate} as JSON.") if gate else _("Send {code} as JSON."))
    return Scan(
        code=data["code"],
        gate=normalize_gate(str(data.get("gate") or "")) if gate else "",
        scanned_at=parse_scan_time(data.get("scanned_at")),
        client_uuid=scan_id(data.get("client_uuid")),
    )


def parse_scan_time(value: Any) -> datetime | None:
    """Read the scan time a page sent (ISO 8601, ``Z`` for UTC), None if it sent none; raise
    ValidationError."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("scanned_at", _("Send the scan time in ISO 8601.")) from None


def scan_id(value: Any) -> str | None:
    """Return a page's scan id if it is well formed (8 to 36 letters, digits and dashes),
    None if it sent none; raise ValidationError."""
    if value is None:
        return None
    text = str(value)
    letters = text.replace("-", "")
    if not (8 <= len(text) <= 36 and (letters.isalnum() or not letters)):
        raise ValidationError("client_uuid", _("The scan id is malformed."))
    return text


def normalize_gate(gate: str) -> str:
    """Return a gate's name with its spaces tidied; raise ValidationError if it has none or
    is too long."""
    gate = " ".join((gate or "").split())
    if not gate or len(gate) > MAX_GATE_LENGTH:
        raise ValidationError(
            "gate", _("Name the gate (up to %(n)s characters).", n=MAX_GATE_LENGTH)
        )
    return gate


def plausible_time(at: datetime | None) -> datetime:
    """Accept a client's scan time (queued offline) if plausible, else use the server's."""
    now = utcnow()
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if now - timedelta(days=7) <= at <= now + timedelta(minutes=5):
        return at.astimezone(UTC)
    return now
