"""Lists as CSV or Excel downloads: the one implementation every domain's export uses.

- CSV is UTF-8 with a byte-order mark, so Excel shows accents and Chinese names correctly,
  and it is streamed, so a list of a million rows never sits in memory.
- Excel is written in openpyxl's write-only mode (rows go to a temporary file).
- Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` …) is prefixed
  with ``'``: a visitor's name is data, never a formula (CSV injection).
- Enums become their values, datetimes UTC without a zone (spreadsheets have none), lists
  are joined with ``; ``, None is an empty cell; Decimal and numbers stay numbers.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

from expo_crm.errors import ValidationError

FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """Turn a Python value into what a spreadsheet cell should hold."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    if isinstance(value, list | tuple | set):
        value = "; ".join(str(cell(v)) for v in value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_text(value: Any) -> str:
    value = cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)


def _csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_text(value) for value in row])
        if n % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """Write rows into an .xlsx workbook in write-only mode and return its bytes."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet((title or "Export")[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_response(
    fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Response:
    """Return rows as ``filename.csv`` (streamed) or ``filename.xlsx``; raise ValidationError
    for any other format."""
    if fmt not in FORMATS:
        raise ValidationError("format", f"Unknown export format {fmt!r}: use csv or xlsx.")
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(headers, rows, filename), mimetype=XLSX_MIMETYPE, headers=disposition
        )
    return Response(
        stream_with_context(_csv_chunks(headers, rows)),
        mimetype="text/csv; charset=utf-8",
        headers=disposition,
    )
