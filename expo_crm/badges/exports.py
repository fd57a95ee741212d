"""Exports of badges lists: CSV and Excel through the app's one exporter, vCards of leads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response

from expo_crm.exports import table_response

__all__ = ["table_response", "vcard", "vcard_escape", "vcard_response"]


def vcard_escape(value: str) -> str:
    """Escape a vCard 3.0 text value (RFC 2426 §5)."""
    return (
        value.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def vcard(card: dict[str, Any]) -> str:
    """Return one vCard 3.0 of a lead card (only the fields the visitor shared are set)."""
    last = card.get("last_name") or ""
    first = card.get("first_name") or ""
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{vcard_escape(last)};{vcard_escape(first)};;;",
        f"FN:{vcard_escape(card['name'])}",
    ]
    if card.get("company"):
        lines.append(f"ORG:{vcard_escape(card['company'])}")
    if card.get("title"):
        lines.append(f"TITLE:{vcard_escape(card['title'])}")
    if card.get("email"):
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_escape(card['email'])}")
    if card.get("phone"):
        lines.append(f"TEL;TYPE=WORK:{vcard_escape(card['phone'])}")
    if card.get("country"):
        lines.append(f"ADR;TYPE=WORK:;;;;;;{vcard_escape(card['country'])}")
    note = " / ".join(
        x
        for x in (card.get("rating_label") or card.get("rating") or "", card.get("notes") or "")
        if x
    )
    if note:
        lines.append(f"NOTE:{vcard_escape(note)}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def vcard_response(filename: str, cards: Iterable[dict[str, Any]]) -> Response:
    return Response(
        "".join(vcard(card) for card in cards),
        mimetype="text/vcard",
        headers={"Content-Disposition": f'attachment; filename="{filename}.vcf"'},
    )
