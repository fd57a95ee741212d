"""`expo-crm history import`: a past edition's list matched to the directory, all or nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from expo_crm.directory.models import Company
from expo_crm.followup import kpis
from expo_crm.history import importer
from expo_crm.history.listfile import ListFileError, parse_number
from expo_crm.history.models import HistoryImport, MatchMethod, Participation, Review
from expo_crm.shows.models import Show

LIST_2019 = """company,country,website,booth,area_m2,amount_paid,currency
Capgemini UK,GB,,A-1,"12,5","1.500,00",BRL
BAE Systems Defence Ltd,United Kingdom,,A-2,18,2000,BRL
Nordic Foods,SE,,B-1,9,900,
Vortex Systems,BR,,B-2,9,1000,
HX Medtech,Deutschland,https://www.helix-medical.de/en,C-1,9,,
Nordic Foods,SE,,B-3,6,600,
Capgemini UK,GB,,A-1,"12,5","1.500,00",BRL
"""


@pytest.fixture
def directory(db, create_show, create_company):
    create_show("EXPO2024", 2024)
    return {
        "capgemini": create_company("Capgemini", country="FR", domain="capgemini.com"),
        "nordic": create_company("Nordic Plastics AB", country="SE"),
        "bae": create_company("BAE Systems Defense Inc.", country="US"),
        "vertex": create_company("Vertex Systems Ltda", country="BR"),
        "helix": create_company("Helix Medical GmbH", country="DE", domain="helix-medical.de"),
    }


def _write(tmp_path: Path, text: str, name: str = "expo2019.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(runner, path: Path, *extra: str):
    return runner.invoke(args=["history", "import", str(path), "--show", "EXPO2019", *extra])


def _counts(db) -> tuple[int, int, int, int]:
    return (
        db.scalar(select(func.count(Show.id))),
        db.scalar(select(func.count(Company.id))),
        db.scalar(select(func.count(Participation.id))),
        db.scalar(select(func.count(HistoryImport.id))),
    )


def test_import_matches_variants_and_keeps_similar_companies_apart(
    db, directory, runner, tmp_path
) -> None:
    out = _import(runner, _write(tmp_path, LIST_2019), "--opens", "2019-10-08")
    assert out.exit_code == 0, out.output
    assert "Edition EXPO2019 created." in out.output
    assert "6 lines, 5 companies; 3 matched to the directory, 2 created" in out.output
    assert "Line 8 repeats line 2 word for word: counted once." in out.output
    assert "“Vortex Systems”" in out.output
    assert "“Vertex Systems Ltda”" in out.output

    show = db.scalar(select(Show).where(Show.code == "EXPO2019"))
    assert (show.starts_on, show.ends_on, show.currency) == (
        date(2019, 10, 8),
        date(2019, 10, 11),  # as long as the latest edition
        "BRL",
    )
    rows = {p.listed_name: p for p in db.scalars(select(Participation))}
    assert rows["Capgemini UK"].company_id == directory["capgemini"].id
    assert rows["Capgemini UK"].match is MatchMethod.SIMILAR  # same name but for "UK"
    assert (rows["Capgemini UK"].area_m2, rows["Capgemini UK"].amount) == (
        Decimal("12.50"),
        Decimal("1500.00"),
    )
    assert rows["BAE Systems Defence Ltd"].company_id == directory["bae"].id
    assert rows["HX Medtech"].company_id == directory["helix"].id
    assert rows["HX Medtech"].match is MatchMethod.DOMAIN
    # Two booths under one spelling: one participation, areas and amounts added.
    assert (
        rows["Nordic Foods"].area_m2,
        rows["Nordic Foods"].amount,
        rows["Nordic Foods"].booth,
    ) == (
        Decimal("15.00"),
        Decimal("1500.00"),
        "B-1, B-3",
    )
    assert rows["Nordic Foods"].company_id != directory["nordic"].id
    vortex = rows["Vortex Systems"]
    assert vortex.company_id != directory["vertex"].id
    assert (vortex.review, vortex.candidate_id) == (Review.PENDING, directory["vertex"].id)

    k = kpis.edition_kpis(db, show)
    assert (k.exhibitors, k.net_m2, k.revenue) == (5, Decimal("63.50"), Decimal("6000.00"))


def _values(db) -> list[tuple]:
    rows = db.scalars(select(Participation))
    return sorted((p.listed_name, p.company_id, p.area_m2, p.amount) for p in rows)


def test_importing_the_same_file_again_changes_nothing(db, directory, runner, tmp_path) -> None:
    path = _write(tmp_path, LIST_2019)
    assert _import(runner, path, "--opens", "2019-10-08").exit_code == 0
    before = _counts(db)
    values = sorted(
        (p.listed_name, p.company_id, p.area_m2, p.amount)
        for p in db.scalars(select(Participation))
    )
    again = _import(runner, path)
    assert again.exit_code == 0, again.output
    assert "Nothing changed: all 5 names" in again.output
    assert _counts(db) == before
    assert values == sorted(
        (p.listed_name, p.company_id, p.area_m2, p.amount)
        for p in db.scalars(select(Participation))
    )


def test_a_corrected_list_updates_values_and_adds_names(db, directory, runner, tmp_path) -> None:
    assert _import(runner, _write(tmp_path, LIST_2019), "--opens", "2019-10-08").exit_code == 0
    fixed = "company,area_m2\nNordic Foods,16\nZenith Robotics,9\n"
    out = _import(runner, _write(tmp_path, fixed, "fix.csv"))
    assert out.exit_code == 0, out.output
    assert "1 participations added, 1 updated, 0 unchanged" in out.output
    nordic = db.scalar(select(Participation).where(Participation.listed_name == "Nordic Foods"))
    assert (nordic.area_m2, nordic.amount) == (Decimal("16.00"), Decimal("1500.00"))


def test_a_later_edition_finds_the_companies_an_earlier_import_created(
    db, directory, runner, tmp_path
) -> None:
    assert _import(runner, _write(tmp_path, LIST_2019), "--opens", "2019-10-08").exit_code == 0
    text = "company,country\nNORDIC FOODS AB,SE\nCapgemini,FR\n"
    out = runner.invoke(
        args=["history", "import", str(_write(tmp_path, text, "2020.csv")), "--show", "EXPO2020"]
    )
    assert out.exit_code == 0, out.output
    assert "2 matched to the directory, 0 created" in out.output
    k = kpis.edition_kpis(db, db.scalar(select(Show).where(Show.code == "EXPO2020")))
    assert (k.exhibitors, k.new, k.lost, k.rebooked) == (2, 0, 3, 2)


def test_excel_lists_are_read(db, directory, runner, tmp_path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "Country", "Area_m2", "Amount_paid"])
    sheet.append(["Capgemini", "FR", 12.5, 1500])
    sheet.append([None, None, None, None])
    sheet.append(["Helix Medical", "DE", 9, 1000.5])
    path = tmp_path / "expo2019.xlsx"
    book.save(path)
    out = _import(runner, path, "--opens", "2019-10-08")
    assert out.exit_code == 0, out.output
    helix = db.scalar(select(Participation).where(Participation.listed_name == "Helix Medical"))
    assert (helix.company_id, helix.amount) == (directory["helix"].id, Decimal("1000.50"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "company,booth\nCapgemini,A-1\nM\xfcller GmbH,A-2\n".encode("latin-1"),
            "line 3: this line is not UTF-8 text",
        ),
        (b"firm,booth\nCapgemini,A-1\n", "line 1: the header has no “company” column (found: firm"),
        (
            b"company,booth,area_m2\nCapgemini,A-1,9\n,A-2,9\nHelix,A-3,9\n,A-4,\n",
            "line 3: a company is missing",
        ),
        (
            b"company,country,area_m2\nCapgemini,Narnia,9\nHelix,DE,nine\n",
            "line 2: unknown country",
        ),
        (b"company,amount_paid,currency\nCapgemini,100,USD\n", "line 2: the amount is in USD"),
        (b"", "The file is empty."),
        (b"company\n\n\n", "The file has a header but no exhibitors."),
    ],
)
def test_a_malformed_file_is_refused_whole_with_its_lines_named(
    db, directory, runner, tmp_path, content: bytes, expected: str
) -> None:
    before = _counts(db)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = runner.invoke(args=["history", "import", str(path), "--show", "EXPO2024"])
    assert out.exit_code == 1
    assert expected in out.output
    assert "Nothing was imported" in out.output or expected.startswith("The file")
    assert _counts(db) == before


def test_every_bad_line_is_named(db, directory, runner, tmp_path) -> None:
    text = "company,area_m2\nA,9\n,3\nB,x\nC,-2\n"
    out = _import(runner, _write(tmp_path, text), "--opens", "2019-10-08")
    assert out.exit_code == 1
    for line in ("line 3:", "line 4:", "line 5:"):
        assert line in out.output
    assert db.scalar(select(func.count(Show.id)).where(Show.code == "EXPO2019")) == 0


def test_a_hundred_thousand_lines_are_refused(db, directory, runner, tmp_path) -> None:
    lines = "".join(f"Company {i},9\n" for i in range(100_000))
    out = _import(runner, _write(tmp_path, "company,area_m2\n" + lines), "--opens", "2019-10-08")
    assert out.exit_code == 1
    assert "line 50002: the list has more than 50,000 lines" in out.output
    assert _counts(db)[1] == 5  # no company created


def test_old_excel_files_are_refused_by_name(db, runner, tmp_path) -> None:
    path = tmp_path / "list.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    out = _import(runner, path, "--opens", "2019-10-08")
    assert out.exit_code == 1
    assert "save it as .xlsx or CSV" in out.output


def test_a_text_file_in_another_encoding_is_read_when_named(
    db, directory, runner, tmp_path
) -> None:
    path = _write(tmp_path, "company;area_m2\nM\xfcller Verpackungen;9\n", encoding="cp1252")
    out = _import(runner, path, "--opens", "2019-10-08", "--encoding", "cp1252")
    assert out.exit_code == 0, out.output
    assert db.scalar(select(Participation.listed_name)) == "Müller Verpackungen"


def test_a_new_edition_needs_a_date_unless_its_code_has_a_year(
    db, directory, runner, tmp_path
) -> None:
    path = _write(tmp_path, "company\nCapgemini\n")
    out = runner.invoke(args=["history", "import", str(path), "--show", "SPRING"])
    assert out.exit_code == 1
    assert "SPRING is a new edition: give its opening date." in out.output
    out = runner.invoke(args=["history", "import", str(path), "--show", "EXPO2018"])
    assert out.exit_code == 0, out.output
    show = db.scalar(select(Show).where(Show.code == "EXPO2018"))
    assert show.starts_on == date(2018, 10, 6)  # the latest edition's day and month


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1.234,50", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("12,5", Decimal("12.5")),
        ("1,234", Decimal("1234")),
        ("1 234", Decimal("1234")),
        ("R$ 1.500,00", Decimal("1500.00")),
        ("9 m²", Decimal("9")),
        ("abc", None),
    ],
)
def test_numbers_as_people_write_them(text: str, number: Decimal | None) -> None:
    assert parse_number(text) == number


def test_the_service_refuses_a_bad_file_with_every_problem(db, directory) -> None:
    with pytest.raises(ListFileError) as caught:
        importer.import_list(db, b"company,area_m2\n,1\n,2\n", "x.csv", "EXPO2024")
    assert [line for line, _text in caught.value.problems] == [2, 3]
