"""CSV, Excel and vCard files of lists (leads, attendance, lead counts)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # never let a spreadsheet run a visitor's text as a formula
    return value


def table_response(
    fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Response:
    """Return rows as a CSV or Excel download."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(filename[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append([_plain(_cell(v)) for v in row])
        out = io.BytesIO()
        book.save(out)
        return Response(
            out.getvalue(),
            mimetype=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        "\ufeff" + text.getvalue(),  # BOM: Excel then reads UTF-8 (accents, CJK) correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: values are UTC
    return value


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
    out, current = [], b""
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
    note = " / ".join(x for x in (card.get("rating") or "", card.get("notes") or "") if x)
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
