from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from expo_crm.auth.roles import Role
from expo_crm.errors import ValidationError
from expo_crm.exports import table_response

HEADERS = ["Name", "Amount", "Day", "At", "Role", "Tags"]
ROWS = [
    [
        "王伟",
        Decimal("1234.50"),
        date(2026, 10, 6),
        datetime(2026, 10, 6, 9, 30, tzinfo=UTC),
        Role.SALES,
        ["a", "b"],
    ],
    ['=HYPERLINK("http://evil")', None, None, None, None, []],
]


def test_csv_is_utf8_with_bom_and_neutralizes_formulas(app) -> None:
    with app.test_request_context():
        response = table_response("csv", "people", HEADERS, ROWS)
        body = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == HEADERS
    assert rows[1] == ["王伟", "1234.50", "2026-10-06", "2026-10-06 09:30:00", "sales", "a; b"]
    assert rows[2][0] == '\'=HYPERLINK("http://evil")'
    assert rows[2][1:] == ["", "", "", "", ""]


def test_xlsx_keeps_numbers_and_dates(app) -> None:
    with app.test_request_context():
        response = table_response("xlsx", "people", HEADERS, ROWS)
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(HEADERS)
    assert values[1][0] == "王伟"
    assert values[1][1] == pytest.approx(1234.5)
    assert values[1][2].date() == date(2026, 10, 6)
    assert values[2][0].startswith("'=")


def test_unknown_format_is_refused(app) -> None:
    with app.test_request_context(), pytest.raises(ValidationError, match="csv or xlsx"):
        table_response("pdf", "x", ["a"], [])
