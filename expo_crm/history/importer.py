"""Import a past edition's exhibitor list: the file checked whole, each name matched to the
directory (:mod:`matching`), new companies created, participations recorded.

* The edition is created when its code is new (dates from ``opens``, else the year in the
  code on the latest edition's month and day; venue, currency and the rest from the latest
  edition, or the file's single currency when there is none).
* Lines under one spelling are one participation: areas and amounts of distinct booths add
  up; a line repeated word for word counts once.
* A spelling already listed at the edition keeps its company, and its values are updated
  from the file; so importing the same file again changes nothing, and importing a second
  partial list of the edition adds to it.
* Uncertain names get a company of their own, kept apart from the close company until a
  person decides (:mod:`review`).
* Everything happens in the caller's transaction: an error leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.directory.services import create_company
from expo_crm.errors import ValidationError
from expo_crm.history.listfile import ListedRow, ListFileError, read_list
from expo_crm.history.matching import REASONS, Directory, Entry, Match
from expo_crm.history.models import HistoryImport, Participation, Review
from expo_crm.history.names import NameParts, name_key
from expo_crm.shows.models import Show
from expo_crm.shows.services import create_show

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class Uncertain:
    """A listed name kept apart from a close company until a person decides."""

    listed_name: str
    company_id: int
    candidate_id: int
    candidate_name: str
    score: float
    reason: str


@dataclass
class ImportResult:
    show_code: str
    created_show: bool = False
    lines: int = 0
    names: int = 0
    matched: int = 0  #: names tied to a company that existed before the import
    created: int = 0  #: companies created
    added: int = 0  #: participations recorded
    updated: int = 0  #: participations whose values changed
    unchanged: int = 0
    uncertain: list[Uncertain] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    import_id: int | None = None
    by_method: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created_show or self.created or self.added or self.updated)

    def summary(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "names": self.names,
            "matched": self.matched,
            "created": self.created,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "uncertain": len(self.uncertain),
            "by_method": self.by_method,
        }


@dataclass
class _Group:
    """The lines of one spelling."""

    name: str
    key: str
    lines: list[ListedRow]

    def total(self, attr: str) -> Decimal | None:
        values = [getattr(r, attr) for r in self.lines if getattr(r, attr) is not None]
        return sum(values, Decimal(0)) if values else None

    def first(self, attr: str) -> str | None:
        return next((getattr(r, attr) for r in self.lines if getattr(r, attr)), None)

    def booths(self) -> str | None:
        codes = list(dict.fromkeys(r.booth for r in self.lines if r.booth))
        return ", ".join(codes)[:200] or None


# -- the edition ---------------------------------------------------------------------------


def _edition(
    session: Session,
    code: str,
    name: str | None,
    opens: date | None,
    currency: str | None,
    result: ImportResult,
) -> Show:
    code = code.strip().upper()
    show = session.scalar(select(Show).where(Show.code == code))
    if show is not None:
        if opens is not None and opens != show.starts_on:
            raise ValidationError(
                "opens",
                _(
                    "%(code)s exists and opens on %(date)s; leave the opening date out or "
                    "correct it on the edition.",
                    code=code,
                    date=show.starts_on.isoformat(),
                ),
            )
        return show
    latest = session.scalar(select(Show).order_by(Show.starts_on.desc()).limit(1))
    if opens is None:
        year = re.search(r"(19|20)\d\d", code)
        if year is None or latest is None:
            raise ValidationError(
                "opens", _("%(code)s is a new edition: give its opening date.", code=code)
            )
        opens = latest.starts_on.replace(year=int(year.group(0)))
    days = (latest.ends_on - latest.starts_on).days if latest else 0
    if currency is None and latest is None:
        raise ValidationError(
            "currency",
            _("%(code)s is the first edition: give a currency column in the file.", code=code),
        )
    show = create_show(
        session,
        code=code,
        name=name or (f"{latest.name.rsplit(' ', 1)[0]} {opens.year}" if latest else code),
        year=opens.year,
        venue=latest.venue if latest else "",
        city=latest.city if latest else "",
        country=latest.country if latest else "",
        starts_on=opens,
        ends_on=opens + timedelta(days=days),
        currency=(latest.currency if latest else currency) or "",
        phone_region=latest.phone_region if latest else "",
        timezone=latest.timezone if latest else "UTC",
    )
    result.created_show = True
    log.info("Edition %s created by a history import", code)
    return show


def _check_currency(rows: list[ListedRow], show_currency: str | None) -> None:
    if show_currency is None:
        return
    wrong = [r for r in rows if r.currency and r.currency != show_currency]
    if wrong:
        raise ListFileError(
            [
                (
                    r.line,
                    _(
                        "the amount is in %(currency)s but the edition is in %(edition)s: "
                        "convert it or leave the currency out.",
                        currency=r.currency,
                        edition=show_currency,
                    ),
                )
                for r in wrong
            ]
        )


# -- the import ----------------------------------------------------------------------------


def import_list(
    session: Session,
    data: bytes,
    filename: str,
    show_code: str,
    *,
    name: str | None = None,
    opens: date | None = None,
    encoding: str | None = None,
    user: User | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import an exhibitor list into an edition; raise ListFileError or ValidationError and
    change nothing when the file or the edition is wrong (the caller rolls back)."""
    listing = read_list(data, filename, encoding)
    result = ImportResult(show_code=show_code.strip().upper(), lines=len(listing.rows))
    currencies = {r.currency for r in listing.rows if r.currency}
    existing = session.scalar(select(Show).where(Show.code == result.show_code))
    _check_currency(listing.rows, existing.currency if existing else None)
    if existing is None and len(currencies) > 1:
        raise ListFileError(
            [(None, _("The file mixes currencies (%(list)s).", list=", ".join(sorted(currencies))))]
        )
    show = _edition(session, show_code, name, opens, next(iter(currencies), None), result)
    _check_currency(listing.rows, show.currency)
    for line, first in listing.repeated:
        result.warnings.append(
            _(
                "Line %(line)s repeats line %(first)s word for word: counted once.",
                line=line,
                first=first,
            )
        )
    if listing.ignored_columns:
        result.warnings.append(
            _("Columns ignored: %(names)s.", names=", ".join(listing.ignored_columns))
        )

    groups: dict[str, _Group] = {}
    for row in listing.rows:
        key = name_key(row.company)
        groups.setdefault(key, _Group(row.company, key, [])).lines.append(row)
    result.names = len(groups)

    listed_here = {
        p.name_key: p
        for p in session.scalars(select(Participation).where(Participation.show_id == show.id))
    }
    directory = Directory.load(session)
    record = HistoryImport(
        show_id=show.id,
        filename=filename[:300],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(listing.rows),
        created_by_id=user.id if user else None,
    )
    session.add(record)
    session.flush()
    total = len(groups)
    for done, group in enumerate(groups.values(), 1):
        participation = listed_here.get(group.key)
        if participation is not None:
            _update(participation, group, result)
        else:
            match = directory.match(group.name, group.first("country"), group.first("website"))
            company_id = _company_for(session, directory, group, match, result, user)
            participation = _participation(show, group, match, company_id, record.id)
            session.add(participation)
            result.added += 1
            result.by_method[match.method.value] = result.by_method.get(match.method.value, 0) + 1
            if match.uncertain:
                candidate = directory.entries[match.candidate_id or 0]
                result.uncertain.append(
                    Uncertain(
                        listed_name=group.name,
                        company_id=company_id,
                        candidate_id=candidate.company_id,
                        candidate_name=candidate.name,
                        score=match.verdict.score if match.verdict else 0.0,
                        reason=str(REASONS[match.verdict.reason]) if match.verdict else "",
                    )
                )
        if progress and (done % 200 == 0 or done == total):
            progress(done, total)
    if not result.changed:
        session.delete(record)
        session.flush()
        result.unchanged = total
        log.info("Import of %s into %s changed nothing", filename, show.code)
        return result
    record.summary = result.summary()
    session.flush()
    result.import_id = record.id
    log.info(
        "Exhibitor list %s imported into %s by %s: %s",
        filename,
        show.code,
        user.email if user else "the command line",
        result.summary(),
    )
    return result


def _company_for(
    session: Session,
    directory: Directory,
    group: _Group,
    match: Match,
    result: ImportResult,
    user: User | None,
) -> int:
    if match.company_id is not None:
        result.matched += 1
        return match.company_id
    website = group.first("website")
    company = create_company(
        session,
        user,
        name=group.name,
        country=group.first("country"),
        website=website if website and "://" in website else (website and f"https://{website}"),
    )
    result.created += 1
    directory.add(
        Entry(
            company.id,
            company.name,
            NameParts(name_key(company.name)),
            company.domain,
            company.country,
        )
    )
    directory.listed[group.key] = company.id
    return company.id


def _participation(
    show: Show, group: _Group, match: Match, company_id: int, import_id: int
) -> Participation:
    return Participation(
        show_id=show.id,
        company_id=company_id,
        listed_name=group.name[:300],
        name_key=group.key[:300],
        country=group.first("country"),
        domain=next((r.domain for r in group.lines if r.domain), None),
        area_m2=group.total("area_m2"),
        amount=group.total("amount"),
        booth=group.booths(),
        category=(group.first("category") or "")[:100] or None,
        match=match.method,
        score=match.verdict.score if match.verdict else None,
        review=Review.PENDING if match.uncertain else Review.NONE,
        candidate_id=match.candidate_id,
        import_id=import_id,
    )


def _update(participation: Participation, group: _Group, result: ImportResult) -> None:
    """Bring a participation listed before up to the file's values (given values only)."""
    values: dict[str, Any] = {
        "area_m2": group.total("area_m2"),
        "amount": group.total("amount"),
        "booth": group.booths(),
        "category": group.first("category"),
        "country": group.first("country"),
        "domain": next((r.domain for r in group.lines if r.domain), None),
    }
    changed = False
    for attr, value in values.items():
        if value is None:
            continue
        old = getattr(participation, attr)
        same = (
            old is not None and Decimal(old) == value
            if isinstance(value, Decimal)
            else old == value
        )
        if not same:
            setattr(participation, attr, value)
            changed = True
    if changed:
        result.updated += 1
    else:
        result.unchanged += 1
