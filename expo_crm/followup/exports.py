"""CSV and Excel exports of every follow-up list, streamed, with opt-outs always removed.

:func:`query_export` is the only way a list query leaves the app: it runs the query through
:func:`optouts.contactable_only` (which refuses a list without a person or company column),
then streams rows. Lists computed in Python (prospects, pyramid, value) go through
:func:`rows_export` after :func:`drop_opted_out_companies`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from flask import Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from expo_crm.errors import ValidationError
from expo_crm.exports import FORMATS, table_response
from expo_crm.followup.models import OptOut
from expo_crm.followup.optouts import contactable_only

Columns = Sequence[tuple[str, str]]  #: (row key, column heading)


def _value(row: Any, key: str) -> Any:
    if isinstance(row, dict):
        return row.get(key)
    if hasattr(row, "_mapping"):
        return row._mapping.get(key)
    return getattr(row, key, None)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError("format", "Export as csv or xlsx.")
    return fmt


def rows_export(rows: Iterable[Any], columns: Columns, filename: str, fmt: str) -> Response:
    """Return a download of ``rows`` through the app's one exporter (:mod:`expo_crm.exports`:
    streamed CSV, write-only Excel, formula neutralization)."""
    check_format(fmt)
    values = ([_value(row, key) for key, _label in columns] for row in rows)
    name = f"{filename}-{date.today().isoformat()}"
    return table_response(fmt, name, [label for _key, label in columns], values)


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
