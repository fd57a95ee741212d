"""Read an edition's exhibitor list from a CSV or Excel file, refusing it whole when any
line is wrong.

The first non-empty row is the header; only ``company`` is required. Columns (any case,
English or Chinese names, see ``HEADERS``): ``company``, ``country`` (ISO code or name in
English, Portuguese, Spanish, French, German, Italian, Chinese or Japanese), ``website``,
``booth``, ``area_m2``, ``category``, ``amount_paid``, ``currency``. Other columns are
ignored and named in the warnings.

Numbers may use a comma or a point for decimals and either for thousands (``1.234,50``,
``1,234.50``, ``12,5``); a single separator followed by exactly three digits is read as
thousands. Text files must be UTF-8 (with or without a byte-order mark) or UTF-16 with one,
unless an encoding is given. Blank lines are skipped; a line with data but no company, a
number that is not one, an unknown country and a line repeated word for word are named
with their line numbers, and nothing is imported until the file is right.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import gettext as _

from expo_crm.directory.normalize import domain_of
from expo_crm.errors import DomainError

#: The most lines an exhibitor list may have (the largest fairs list about 30,000 exhibitors).
MAX_ROWS = 50_000
#: At most this many problems are named in the message; the rest are counted.
MAX_NAMED = 20

HEADERS = {
    "company": (
        "company",
        "company name",
        "exhibitor",
        "exhibitor name",
        "name",
        "firma",
        "empresa",
        "razao social",
        "公司",
        "公司名称",
        "展商",
        "展商名称",
        "会社名",
    ),
    "country": ("country", "country code", "pais", "land", "pays", "国家", "国家/地区", "国"),
    "website": ("website", "web", "url", "web site", "homepage", "site", "网站", "网址"),
    "booth": ("booth", "stand", "booth number", "stand number", "estande", "展位", "展位号"),
    "area_m2": ("area_m2", "area", "area m2", "area (m2)", "area (m²)", "m2", "m²", "sqm", "面积"),
    "category": ("category", "categoria", "kategorie", "sector", "类别", "分类"),
    "amount_paid": ("amount_paid", "amount", "amount paid", "paid", "valor", "金额", "已付金额"),
    "currency": ("currency", "moeda", "waehrung", "币种", "货币"),
}
FIELDS = tuple(HEADERS)

#: Country names people write that no locale spells that way.
COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "great britain": "GB",
    "scotland": "GB",
    "wales": "GB",
    "holland": "NL",
    "korea": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "turkiye": "TR",
    "czech republic": "CZ",
    "vietnam": "VN",
    "prc": "CN",
    "mainland china": "CN",
    "中国大陆": "CN",
    "deutschland": "DE",
}
COUNTRY_LOCALES = ("en", "pt", "es", "fr", "de", "it", "zh", "ja")


class ListFileError(DomainError):
    """The file cannot be imported; ``problems`` are (line or None, message) pairs."""

    status_code = 422

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        shown = [
            _("line %(line)s: %(problem)s", line=line, problem=text) if line else text
            for line, text in problems[:MAX_NAMED]
        ]
        if len(problems) > MAX_NAMED:
            shown.append(_("… and %(n)s more problems.", n=len(problems) - MAX_NAMED))
        intro = _("Nothing was imported; correct the file and import it again.")
        super().__init__("\n".join([intro, *shown]))


@dataclass
class ListedRow:
    """One line of the list, checked."""

    line: int
    company: str
    country: str | None = None
    website: str | None = None
    booth: str | None = None
    area_m2: Decimal | None = None
    category: str | None = None
    amount: Decimal | None = None
    currency: str | None = None

    @property
    def domain(self) -> str | None:
        return domain_of(self.website)


@dataclass
class ListFile:
    rows: list[ListedRow]
    ignored_columns: list[str] = field(default_factory=list)
    blank_lines: int = 0
    #: (line, line it repeats): counted once.
    repeated: list[tuple[int, int]] = field(default_factory=list)


# -- cells ---------------------------------------------------------------------------------


@cache
def _countries() -> dict[str, str]:
    from babel import Locale

    names: dict[str, str] = {}
    for locale in COUNTRY_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_fold(name), code)
    names.update({_fold(k): v for k, v in COUNTRY_ALIASES.items()})
    return names


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_country(text: str) -> str | None:
    """Return the ISO alpha-2 code of a code or a country name; None if unknown."""
    value = text.strip()
    if len(value) == 2 and value.isascii() and value.isalpha():
        code = value.upper()
        known = set(_countries().values())
        return code if code in known else None
    return _countries().get(_fold(value))


_NUMBER = re.compile(r"^[+-]?[\d.,' ]*\d[\d.,' ]*$")


def parse_number(text: str) -> Decimal | None:
    """Read ``1.234,50``, ``1,234.50``, ``12,5``, ``1 234`` as a Decimal; None if not a number."""
    value = re.sub(r"^[^\d+-]+|[^\d]+$", "", text.strip().replace("\u00a0", " "))
    if not value or not _NUMBER.match(value):
        return None
    value = value.replace(" ", "").replace("'", "")
    commas, points = value.count(","), value.count(".")
    if commas and points:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
    elif commas or points:
        mark = "," if commas else "."
        decimals = value.rsplit(mark, 1)[1]
        decimal_mark = mark if (commas + points == 1 and len(decimals) != 3) else ""
    else:
        decimal_mark = ""
    thousands = {",", "."} - {decimal_mark}
    for sep in thousands:
        value = value.replace(sep, "")
    value = value.replace(",", ".")
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


# -- files ---------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str | None) -> str:
    if encoding is None:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ListFileError([(None, _("Unknown encoding %(name)s.", name=encoding))]) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ListFileError(
            [
                (
                    line,
                    _(
                        "this line is not %(encoding)s text. Save the file as “CSV UTF-8”, or "
                        "give its encoding (for example cp1252).",
                        encoding="UTF-8" if encoding.startswith("utf-8") else encoding,
                    ),
                )
            ]
        ) from None


def _csv_rows(data: bytes, encoding: str | None) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data, encoding)
    if "\x00" in text:
        raise ListFileError([(None, _("This is not a CSV or Excel file."))])
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise ListFileError(
            [(reader.line_num, _("the line cannot be read (%(error)s).", error=str(exc)))]
        ) from None


def _excel_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ListFileError(
            [(None, _("The Excel file cannot be read (%(error)s).", error=type(exc).__name__))]
        ) from None
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [_excel_cell(v) for v in row]
    finally:
        book.close()


def _raw_rows(data: bytes, filename: str, encoding: str | None) -> Iterator[tuple[int, list[str]]]:
    name = filename.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ListFileError(
            [(None, _("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV."))]
        )
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _excel_rows(data)
    return _csv_rows(data, encoding)


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    lookup = {_fold(alias): name for name, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        name = lookup.get(_fold(title).replace("_", " ")) or lookup.get(_fold(title))
        if name and name not in columns:
            columns[name] = index
        elif title.strip():
            ignored.append(title.strip())
    return columns, ignored


def read_list(
    data: bytes, filename: str, encoding: str | None = None, max_rows: int = MAX_ROWS
) -> ListFile:
    """Read and check the whole file; raise ListFileError naming every bad line."""
    if not data.strip():
        raise ListFileError([(None, _("The file is empty."))])
    rows = _raw_rows(data, filename, encoding)
    problems: list[tuple[int | None, str]] = []
    header: list[str] | None = None
    columns: dict[str, int] = {}
    result = ListFile(rows=[])
    seen: dict[tuple[str, ...], int] = {}
    count = 0
    for line, cells in rows:
        cells = [c.strip() for c in cells]
        if not any(cells):
            if header is not None:
                result.blank_lines += 1
            continue
        if header is None:
            header = cells
            columns, result.ignored_columns = _header_map(header)
            if "company" not in columns:
                found = ", ".join(c for c in header if c) or "—"
                raise ListFileError(
                    [
                        (
                            line,
                            _(
                                "the header has no “company” column (found: %(found)s).",
                                found=found,
                            ),
                        )
                    ]
                )
            continue
        count += 1
        if count > max_rows:
            raise ListFileError(
                [
                    (
                        line,
                        _(
                            "the list has more than %(n)s lines; an edition's exhibitor list "
                            "is shorter. Check that this is the right file.",
                            n=f"{max_rows:,}",
                        ),
                    )
                ]
            )
        values = {name: (cells[i] if i < len(cells) else "") for name, i in columns.items()}
        row, errors = _check(line, values)
        problems.extend((line, e) for e in errors)
        if row is None:
            continue
        fingerprint = tuple(values.get(name, "").lower() for name in FIELDS)
        if fingerprint in seen:
            result.repeated.append((line, seen[fingerprint]))
            continue
        seen[fingerprint] = line
        result.rows.append(row)
    if header is None:
        raise ListFileError([(None, _("The file is empty."))])
    if problems:
        raise ListFileError(problems)
    if not result.rows:
        raise ListFileError([(None, _("The file has a header but no exhibitors."))])
    return result


def _check(line: int, values: dict[str, str]) -> tuple[ListedRow | None, list[str]]:
    errors = []
    company = values.get("company", "")
    if not company:
        return None, [_("a company is missing (the line has other values).")]
    if len(company) > 300:
        errors.append(_("the company name is longer than 300 characters."))
    row = ListedRow(line=line, company=company)
    if text := values.get("country"):
        row.country = parse_country(text)
        if row.country is None:
            errors.append(
                _("unknown country “%(value)s” (give its ISO code, e.g. DE).", value=text)
            )
    if text := values.get("website"):
        domain = domain_of(text)
        if not domain or "." not in domain or not re.fullmatch(r"[\w.-]+", domain):
            errors.append(_("“%(value)s” is not a website.", value=text))
        row.website = text
    for name, attr in (("area_m2", "area_m2"), ("amount_paid", "amount")):
        if text := values.get(name):
            number = parse_number(text)
            if number is None or number < 0:
                errors.append(
                    _("%(column)s “%(value)s” is not a positive number.", column=name, value=text)
                )
            else:
                setattr(row, attr, number)
    if text := values.get("currency"):
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            errors.append(
                _("currency “%(value)s” is not a three-letter code (e.g. EUR).", value=text)
            )
        row.currency = text.upper()
    row.booth = values.get("booth") or None
    row.category = values.get("category") or None
    for attr, limit in (("booth", 200), ("category", 100)):
        value = getattr(row, attr)
        if value and len(value) > limit:
            errors.append(_("%(column)s is longer than %(n)s characters.", column=attr, n=limit))
    return (None if errors else row), errors
