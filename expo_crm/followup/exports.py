"""CSV and Excel exports of every follow-up list, streamed, with opt-outs always removed.

:func:`query_export` is the only way a list query leaves the app: it runs the query through
:func:`optouts.contactable_only` (which refuses a list without a person or company column),
then streams rows. Lists computed in Python (prospects, pyramid, value) go through
:func:`rows_export` after :func:`drop_opted_out_companies`.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, send_file, stream_with_context
from openpyxl import Workbook
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from expo_crm.errors import ValidationError
from expo_crm.followup.models import OptOut
from expo_crm.followup.optouts import contactable_only

FORMATS = ("csv", "xlsx")
Columns = Sequence[tuple[str, str]]  #: (row key, column heading)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, list | tuple):
        return "; ".join(str(_plain(v)) for v in value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def _cell(row: Any, key: str) -> Any:
    if isinstance(row, dict):
        return _plain(row.get(key))
    if hasattr(row, "_mapping"):
        return _plain(row._mapping.get(key))
    return _plain(getattr(row, key, None))


def _csv_stream(rows: Iterable[Any], columns: Columns) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _k, label in columns])
    for n, row in enumerate(rows, 1):
        writer.writerow(["" if (v := _cell(row, k)) is None else v for k, _label in columns])
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_file(rows: Iterable[Any], columns: Columns, title: str) -> Any:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Export")
    sheet.append([label for _k, label in columns])
    for row in rows:
        values = []
        for key, _label in columns:
            value = _cell(row, key)
            values.append(float(value) if isinstance(value, Decimal) else value)
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)  # write-only: rows went to a temporary file, only the zip is in memory
    out.seek(0)
    return out


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError("format", "Export as csv or xlsx.")
    return fmt


def rows_export(rows: Iterable[Any], columns: Columns, filename: str, fmt: str) -> Response:
    """Return a download of ``rows`` as CSV (streamed) or Excel (write-only workbook)."""
    check_format(fmt)
    stamp = date.today().isoformat()
    if fmt == "csv":
        return Response(
            stream_with_context(_csv_stream(rows, columns)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}-{stamp}.csv"'},
        )
    return send_file(
        _xlsx_file(rows, columns, filename),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{filename}-{stamp}.xlsx",
    )


def query_export(
    session: Session, query: Select, columns: Columns, filename: str, fmt: str
) -> Response:
    """Export a list query with opt-outs removed; rows are fetched in batches."""
    check_format(fmt)
    safe = contactable_only(query)
    rows = session.execute(safe.execution_options(yield_per=2000))
    return rows_export(rows, columns, filename, fmt)


def drop_opted_out_companies(
    session: Session, items: Iterable[Any], company_id: Callable[[Any], int | None]
) -> list[Any]:
    """Return ``items`` without those whose company opted out."""
    blocked = set(session.scalars(select(OptOut.company_id).where(OptOut.company_id.is_not(None))))
    return [item for item in items if company_id(item) not in blocked]
