"""Lists as CSV or Excel downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response


def table_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str
) -> Response:
    """Return ``rows`` as ``filename.csv`` or ``filename.xlsx`` (fmt ``csv`` or ``xlsx``)."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(filename[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append([v if isinstance(v, int | float) or v is None else _cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        return Response(
            buffer.getvalue(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return Response(
        "\ufeff" + out.getvalue(),  # BOM: Excel opens UTF-8 (Chinese names) correctly
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def _cell(value: Any) -> Any:
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal | date):
        return value
    return str(value)
