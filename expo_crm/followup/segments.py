"""Visitor segments: filters a sales user combines and saves, counted and listed in SQL.

A segment is a set of visitor registrations (see :mod:`facts`) of one edition that match
every filter given (filters left empty match everything):

* ``categories`` — registration category (trade, public, press, vip);
* ``industries`` — the registration's industry answer, else the company's industry;
* ``job_functions``, ``purchasing_roles`` — questionnaire answers;
* ``countries`` — the company's country, else the person's;
* ``size_min`` / ``size_max`` — company employees (companies of unknown size never match a
  size filter);
* ``min_days`` — days attended; ``min_booths`` — exhibitor booths that scanned them
  (see :mod:`engagement`);
* ``history`` — ``new`` (no registration at an earlier edition) or ``returning``;
* ``consent`` — latest marketing consent across editions: ``granted``, ``withdrawn`` or
  ``unknown`` (no marketing consent record).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.directory.models import Company, Person
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.followup import engagement, facts
from expo_crm.followup.models import SavedSegment
from expo_crm.followup.optouts import marketing_withdrawn
from expo_crm.labels import label, register_codes
from expo_crm.shows.models import Show
from expo_crm.visitors import questionnaire
from expo_crm.visitors.models import ConsentKind, ConsentRecord, Registration, VisitorCategory

log = logging.getLogger(__name__)

LIST_FIELDS = ("categories", "industries", "job_functions", "purchasing_roles", "countries")
INT_FIELDS = ("size_min", "size_max", "min_days", "min_booths")
HISTORY = ("", "new", "returning")
CONSENT = ("", "granted", "withdrawn", "unknown")
CATEGORIES = tuple(c.value for c in VisitorCategory if c is not VisitorCategory.EXHIBITOR_STAFF)
BREAKDOWNS = ("category", "industry", "country", "job_function", "purchasing_role")


@dataclass
class SegmentFilters:
    show: str = ""
    categories: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    job_functions: list[str] = field(default_factory=list)
    purchasing_roles: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    size_min: int | None = None
    size_max: int | None = None
    min_days: int | None = None
    min_booths: int | None = None
    history: str = ""
    consent: str = ""

    @classmethod
    def parse(cls, args: Mapping[str, Any]) -> SegmentFilters:
        """Read filters from a query string (MultiDict) or a saved dict; raise ValidationError."""

        def values(name: str) -> list[str]:
            raw = args.getlist(name) if hasattr(args, "getlist") else args.get(name) or []
            if isinstance(raw, str):
                raw = [raw]
            items = [p.strip() for v in raw for p in str(v).split(",")]
            return [p for p in items if p]

        filters = cls(show=str(args.get("show") or "").strip().upper())
        for name in LIST_FIELDS:
            setattr(filters, name, values(name))
        filters.countries = [c.upper() for c in filters.countries]
        bad = [c for c in filters.categories if c not in CATEGORIES]
        if bad:
            raise ValidationError("categories", f"Unknown category {bad[0]!r}.")
        for name in INT_FIELDS:
            raw = args.get(name)
            if raw in (None, ""):
                continue
            try:
                number = int(raw)
            except (TypeError, ValueError):
                raise ValidationError(name, f"{name} must be a whole number.") from None
            if number < 0:
                raise ValidationError(name, f"{name} cannot be negative.")
            setattr(filters, name, number)
        filters.history = str(args.get("history") or "")
        filters.consent = str(args.get("consent") or "")
        if filters.history not in HISTORY:
            raise ValidationError("history", "History is new or returning.")
        if filters.consent not in CONSENT:
            raise ValidationError("consent", "Consent is granted, withdrawn or unknown.")
        low, high = filters.size_min, filters.size_max
        if low is not None and high is not None and low > high:
            raise ValidationError("size_min", "The minimum size is above the maximum.")
        return filters

    def as_dict(self) -> dict[str, Any]:
        """Return the filters that are set (what a saved segment stores)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "", [])}


def _has_marketing_record(person_id: Any) -> Any:
    return exists(
        select(ConsentRecord.id).where(
            ConsentRecord.person_id == person_id, ConsentRecord.kind == ConsentKind.MARKETING
        )
    )


def segment_query(
    session: Session, show: Show, filters: SegmentFilters, lean: bool = False
) -> Select:
    """Select the segment's visitors, one row per registration.

    Columns: registration_id, person_id, full_name, email, company_id, company, country,
    category, industry, job_function, purchasing_role, employees, days, booths, is_returning.
    With ``lean``, only company_id and the breakdown dimensions (what counting needs);
    engagement and history are correlated subqueries, computed only where used.
    """
    f = filters
    before = facts.earlier_people(show)
    returning = before.c.person_id.is_not(None)
    industry = func.coalesce(Registration.industry, Company.industry)
    country = func.coalesce(Company.country, Person.country)
    dimensions: list[Any] = [
        Registration.company_id.label("company_id"),
        country.label("country"),
        Registration.category,
        industry.label("industry"),
        Registration.job_function,
        Registration.purchasing_role,
    ]
    query = (
        select(*dimensions)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Company, Company.id == Registration.company_id)
        .where(Registration.show_id == show.id, facts.IS_VISITOR)
    )
    if not lean or f.history:
        query = query.outerjoin(before, before.c.person_id == Registration.person_id)
    # Correlated per registration: evaluated only for the rows that need them.
    day_count = engagement.days_expr(Registration.id)
    booth_count = engagement.booths_expr(Registration.id)
    if not lean:
        query = query.with_only_columns(
            Registration.id.label("registration_id"),
            Person.id.label("person_id"),
            Person.full_name,
            Person.email,
            Company.id.label("company_id"),
            Company.name.label("company"),
            country.label("country"),
            Registration.category,
            industry.label("industry"),
            Registration.job_function,
            Registration.purchasing_role,
            Company.employees,
            day_count.label("days"),
            booth_count.label("booths"),
            returning.label("is_returning"),
            maintain_column_froms=True,
        )
    if f.categories:
        query = query.where(Registration.category.in_([VisitorCategory(c) for c in f.categories]))
    if f.industries:
        query = query.where(industry.in_(f.industries))
    if f.job_functions:
        query = query.where(Registration.job_function.in_(f.job_functions))
    if f.purchasing_roles:
        query = query.where(Registration.purchasing_role.in_(f.purchasing_roles))
    if f.countries:
        query = query.where(country.in_(f.countries))
    if f.size_min is not None:
        query = query.where(Company.employees >= f.size_min)
    if f.size_max is not None:
        query = query.where(Company.employees <= f.size_max)
    if f.min_days:
        query = query.where(day_count >= f.min_days)
    if f.min_booths:
        query = query.where(booth_count >= f.min_booths)
    if f.history == "new":
        query = query.where(~returning)
    elif f.history == "returning":
        query = query.where(returning)
    if f.consent == "withdrawn":
        query = query.where(marketing_withdrawn(Person.id))
    elif f.consent == "granted":
        query = query.where(_has_marketing_record(Person.id), ~marketing_withdrawn(Person.id))
    elif f.consent == "unknown":
        query = query.where(~_has_marketing_record(Person.id))
    return query if lean else query.order_by(Person.full_name, Person.id)


def segment_counts(session: Session, show: Show, filters: SegmentFilters) -> dict[str, Any]:
    """Count the segment: total, people, companies, and a breakdown per dimension.

    Two passes in SQL: distinct companies, and one GROUP BY over all the breakdown
    dimensions at once (a few thousand groups at most), folded per dimension here.
    """
    sub = segment_query(session, show, filters, lean=True).subquery()
    companies = session.scalar(select(func.count(func.distinct(sub.c.company_id)))) or 0
    dims = [sub.c[name] for name in BREAKDOWNS]
    folded: dict[str, dict[str, int]] = {name: {} for name in BREAKDOWNS}
    total = 0
    for row in session.execute(select(*dims, func.count()).group_by(*dims)):
        n = int(row[-1])
        total += n
        for name, value in zip(BREAKDOWNS, row[:-1], strict=True):
            key = str(getattr(value, "value", value) or "—")
            folded[name][key] = folded[name].get(key, 0) + n
    breakdown = {
        name: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        for name, counts in folded.items()
    }
    return {"total": total, "companies": int(companies), "breakdown": breakdown}


def segment_page(
    session: Session, show: Show, filters: SegmentFilters, page: int, per_page: int
) -> list[Any]:
    """Return one page of the segment, by name: the page's registrations are picked on the
    lean query, and only those rows get their engagement and history computed."""
    lean = segment_query(session, show, filters, lean=True)
    ids = list(
        session.scalars(
            lean.with_only_columns(Registration.id, maintain_column_froms=True)
            .order_by(Person.full_name, Person.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    if not ids:
        return []
    full = segment_query(session, show, SegmentFilters(show=filters.show))
    return list(session.execute(full.where(Registration.id.in_(ids))))


def resolve_show(session: Session, filters: SegmentFilters, default: Show | None) -> Show:
    """Return the edition the filters name, else ``default``; raise NotFound."""
    from expo_crm.shows.services import get_show

    if filters.show:
        return get_show(session, filters.show)
    if default is None:
        raise NotFound("There is no edition yet.")
    return default


# -- saved segments -------------------------------------------------------------------------


def save_segment(
    session: Session, name: str, filters: SegmentFilters, user: Any = None
) -> SavedSegment:
    """Save filters under a name; raise ValidationError on an empty name, Conflict if taken."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", "Give the segment a name.")
    if len(name) > 200:
        raise ValidationError("name", "The name is too long (200 characters at most).")
    if session.scalar(select(SavedSegment.id).where(SavedSegment.name == name)):
        raise Conflict(f"A segment named {name!r} already exists.")
    segment = SavedSegment(
        name=name, filters=filters.as_dict(), created_by_id=getattr(user, "id", None)
    )
    session.add(segment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"A segment named {name!r} already exists.") from None
    log.info("Segment %r saved by %s", name, getattr(user, "email", "?"))
    return segment


def list_segments(session: Session) -> list[SavedSegment]:
    return list(session.scalars(select(SavedSegment).order_by(SavedSegment.name)))


def get_segment(session: Session, segment_id: int) -> SavedSegment:
    segment = session.get(SavedSegment, segment_id)
    if segment is None:
        raise NotFound(f"No saved segment {segment_id}.")
    return segment


def delete_segment(session: Session, segment: SavedSegment) -> None:
    session.delete(segment)
    session.flush()


register_codes(
    "segment_dimension",
    {
        "category": _l("Category"),
        "industry": _l("Industry"),
        "country": _l("Country"),
        "job_function": _l("Job function"),
        "purchasing_role": _l("Purchasing role"),
    },
)
#: The breakdown dimension each list filter selects on.
FILTER_DIMENSION = dict(zip(LIST_FIELDS, ("category", "industry", "job_function",
                                           "purchasing_role", "country"), strict=True))  # fmt: skip


def value_labels(session: Session, show: Show, language: str) -> dict[str, dict[str, str]]:
    """Return, per dimension, what each stored value reads as in ``language``: categories by
    their labels, questionnaire answers by the edition's option labels (countries are codes)."""
    answers = questionnaire.answer_labels(session, show, language)
    found = {name: dict(answers.get(name, {})) for name in BREAKDOWNS}
    found["category"] = {c.value: label(c) for c in VisitorCategory}
    return found


def filter_options(session: Session, show: Show) -> dict[str, list[str]]:
    """Return the values seen at the edition for each list filter (for the filter form)."""

    def distinct_values(column: Any) -> list[str]:
        rows = session.scalars(
            select(column)
            .select_from(Registration)
            .outerjoin(Company, Company.id == Registration.company_id)
            .where(Registration.show_id == show.id, column.is_not(None))
            .distinct()
            .order_by(column)
            .limit(100)
        )
        return [str(v) for v in rows]

    return {
        "categories": list(CATEGORIES),
        "industries": distinct_values(func.coalesce(Registration.industry, Company.industry)),
        "job_functions": distinct_values(Registration.job_function),
        "purchasing_roles": distinct_values(Registration.purchasing_role),
        "countries": distinct_values(Company.country),
    }
