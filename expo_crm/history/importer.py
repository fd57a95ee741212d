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
from expo_crm.history.listfile import ListedRow, ListFile, ListFileError, read_list
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
        currency=currency or (latest.currency if latest else ""),
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


def preflight(
    session: Session,
    data: bytes,
    filename: str,
    show_code: str,
    *,
    opens: date | None = None,
    encoding: str | None = None,
) -> ListFile:
    """Check the file and the edition without writing anything; raise ListFileError or
    ValidationError as the import would."""
    listing = read_list(data, filename, encoding)
    code = show_code.strip().upper()
    currencies = {r.currency for r in listing.rows if r.currency}
    existing = session.scalar(select(Show).where(Show.code == code))
    if existing is not None:
        _check_currency(listing.rows, existing.currency)
        if opens is not None and opens != existing.starts_on:
            raise ValidationError(
                "opens",
                _(
                    "%(code)s exists and opens on %(date)s; leave the opening date out or "
                    "correct it on the edition.",
                    code=code,
                    date=existing.starts_on.isoformat(),
                ),
            )
        return listing
    if len(currencies) > 1:
        raise ListFileError(
            [(None, _("The file mixes currencies (%(list)s).", list=", ".join(sorted(currencies))))]
        )
    latest = session.scalar(select(Show).order_by(Show.starts_on.desc()).limit(1))
    if opens is None and (latest is None or not re.search(r"(19|20)\d\d", code)):
        raise ValidationError(
            "opens", _("%(code)s is a new edition: give its opening date.", code=code)
        )
    if latest is None and not currencies:
        raise ValidationError(
            "currency",
            _("%(code)s is the first edition: give a currency column in the file.", code=code),
        )
    return listing


@dataclass
class ImportPlan:
    """What an import will do, decided by reading only (:func:`plan_import`)."""

    listing: ListFile
    filename: str
    sha256: str
    show_code: str
    name: str | None
    opens: date | None
    groups: list[_Group]
    #: name_key → id of the participation already listed at the edition under that spelling.
    listed: dict[str, int]
    #: name_key → the match of a spelling new to the edition. A company to create has a
    #: negative id (planned), so that later names can match it too.
    matches: dict[str, Match]
    planned: dict[int, _Group]
    candidate_names: dict[int, str]


def plan_import(
    session: Session,
    data: bytes,
    filename: str,
    show_code: str,
    *,
    name: str | None = None,
    opens: date | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Check the file and match every name, writing nothing; raise ListFileError or
    ValidationError when the file or the edition is wrong."""
    listing = preflight(session, data, filename, show_code, opens=opens, encoding=encoding)
    code = show_code.strip().upper()
    groups: dict[str, _Group] = {}
    for row in listing.rows:
        key = name_key(row.company)
        groups.setdefault(key, _Group(row.company, key, [])).lines.append(row)
    show_id = session.scalar(select(Show.id).where(Show.code == code))
    listed = {
        key: pid
        for key, pid in session.execute(
            select(Participation.name_key, Participation.id).where(
                Participation.show_id == (show_id or -1)
            )
        )
    }
    directory = Directory.load(session)
    plan = ImportPlan(
        listing=listing,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        show_code=code,
        name=name,
        opens=opens,
        groups=list(groups.values()),
        listed=listed,
        matches={},
        planned={},
        candidate_names={},
    )
    total = len(groups)
    for done, group in enumerate(groups.values(), 1):
        if group.key not in listed:
            match = directory.match(group.name, group.first("country"), group.first("website"))
            if match.company_id is None:
                planned = -1 - len(plan.planned)
                plan.planned[planned] = group
                match.company_id = planned
                directory.add(
                    Entry(
                        planned,
                        group.name,
                        NameParts(group.key),
                        next((r.domain for r in group.lines if r.domain), None),
                        group.first("country"),
                    )
                )
                directory.listed[group.key] = planned
            if match.candidate_id is not None:
                plan.candidate_names[match.candidate_id] = directory.entries[
                    match.candidate_id
                ].name
            plan.matches[group.key] = match
        if progress and (done % 200 == 0 or done == total):
            progress(done, total)
    return plan


def apply_import(session: Session, plan: ImportPlan, user: User | None = None) -> ImportResult:
    """Carry out a plan: create the edition and the companies, record the participations."""
    listing = plan.listing
    result = ImportResult(show_code=plan.show_code, lines=len(listing.rows), names=len(plan.groups))
    currencies = {r.currency for r in listing.rows if r.currency}
    show = _edition(
        session, plan.show_code, plan.name, plan.opens, next(iter(currencies), None), result
    )
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
    record = HistoryImport(
        show_id=show.id,
        filename=plan.filename[:300],
        sha256=plan.sha256,
        rows=len(listing.rows),
        created_by_id=user.id if user else None,
    )
    session.add(record)
    session.flush()
    created: dict[int, int] = {}

    def real(company_id: int) -> int:
        if company_id >= 0:
            return company_id
        if company_id not in created:
            created[company_id] = _create_company(session, plan.planned[company_id], user)
            result.created += 1
        return created[company_id]

    for group in plan.groups:
        if group.key in plan.listed:
            _update(session.get_one(Participation, plan.listed[group.key]), group, result)
            continue
        match = plan.matches[group.key]
        own = match.company_id is not None and match.company_id < 0
        company_id = real(match.company_id or 0)
        if not own:
            result.matched += 1
        candidate_id = real(match.candidate_id) if match.candidate_id is not None else None
        session.add(_participation(show, group, match, company_id, candidate_id, record.id))
        result.added += 1
        result.by_method[match.method.value] = result.by_method.get(match.method.value, 0) + 1
        if match.uncertain and candidate_id is not None:
            result.uncertain.append(
                Uncertain(
                    listed_name=group.name,
                    company_id=company_id,
                    candidate_id=candidate_id,
                    candidate_name=plan.candidate_names.get(match.candidate_id or 0, ""),
                    score=match.verdict.score if match.verdict else 0.0,
                    reason=str(REASONS[match.verdict.reason]) if match.verdict else "",
                )
            )
    if not result.changed:
        session.delete(record)
        session.flush()
        result.unchanged = len(plan.groups)
        log.info("Import of %s into %s changed nothing", plan.filename, show.code)
        return result
    record.summary = result.summary()
    session.flush()
    result.import_id = record.id
    log.info(
        "Exhibitor list %s imported into %s by %s: %s",
        plan.filename,
        show.code,
        user.email if user else "the command line",
        result.summary(),
    )
    return result


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
    plan = plan_import(
        session,
        data,
        filename,
        show_code,
        name=name,
        opens=opens,
        encoding=encoding,
        progress=progress,
    )
    return apply_import(session, plan, user)


def _create_company(session: Session, group: _Group, user: User | None) -> int:
    website = group.first("website")
    company = create_company(
        session,
        user,
        name=group.name,
        country=group.first("country"),
        website=website if website and "://" in website else (website and f"https://{website}"),
    )
    return company.id


def _participation(
    show: Show,
    group: _Group,
    match: Match,
    company_id: int,
    candidate_id: int | None,
    import_id: int,
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
        candidate_id=candidate_id,
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
