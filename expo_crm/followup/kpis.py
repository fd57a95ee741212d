"""Show KPIs per edition and as a trend, and the lists behind each figure.

Definitions (E is an edition, E-1 the one before it; see :mod:`facts` for "exhibited" and
"revenue"):

* **new** — exhibits at E, did not exhibit at E-1 (so a lapsed exhibitor coming back
  counts as new); **lost** — exhibited at E-1, does not exhibit at E. Hence
  ``exhibitors(E) = exhibitors(E-1) - lost + new``. Until E opens its exhibitors of E-1 who
  have not booked are **not yet rebooked** (``lost`` is then None): they may still book.
* **upgraded / downgraded** — exhibits at both, with a larger / smaller area at E than at
  E-1 (``basis="area"``) or a larger / smaller revenue (``basis="spend"``).
* **rebooking rate** — exhibitors of E-1 that exhibit at E, divided by exhibitors of E-1
  (None when E has no predecessor or it had no exhibitors).
* **net m² sold** — the area of non-cancelled contracts at E; **revenue** — their totals;
  **average revenue per exhibitor** — revenue / exhibitors.
* **visitors** — distinct people with a visitor registration at E; **trade share** — share
  of them in the ``trade`` category; **returning share** — share of them registered (in any
  category) at an earlier edition.
* **visitor-to-exhibitor conversions** — companies new at E whose people visited E-1.
* **sales ranking** — per user: revenue and number of non-cancelled contracts they signed at
  E; quotes they issued at E and how many became a contract (quote-to-contract rate);
  follow-up tasks they completed between the end of E-1 and the end of E (no end for the
  latest edition).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.db import money
from expo_crm.directory.models import Company, Person
from expo_crm.errors import ValidationError
from expo_crm.exhibitors.models import Contract, Quote
from expo_crm.followup import facts
from expo_crm.followup.models import FollowUpTask, TaskStatus
from expo_crm.labels import register_codes
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, VisitorCategory

log = logging.getLogger(__name__)

BASES = ("area", "spend")
EXHIBITOR_LISTS = ("exhibitors", "new", "lost", "upgraded", "downgraded", "rebooked", "converted")
VISITOR_LISTS = ("visitors", "trade", "returning")

register_codes(
    "exhibitor_list",
    {
        "exhibitors": _l("Exhibitors"),
        "new": _l("New exhibitors"),
        "lost": _l("Lost exhibitors"),
        "upgraded": _l("Upgraded exhibitors"),
        "downgraded": _l("Downgraded exhibitors"),
        "rebooked": _l("Rebooked exhibitors"),
        "converted": _l("Visitors who became exhibitors"),
    },
)
register_codes(
    "visitor_list",
    {
        "visitors": _l("Unique visitors"),
        "trade": _l("Trade visitors"),
        "returning": _l("Returning visitors"),
    },
)


@dataclass
class EditionKpis:
    show_code: str
    year: int
    exhibitors: int
    new: int
    upgraded: int
    downgraded: int
    rebooked: int
    #: Of E-1's exhibitors, those not at E: None until E opens (see ``not_yet_rebooked``).
    lost: int | None
    rebooking_rate: float | None
    net_m2: Decimal
    revenue: Decimal
    avg_revenue: Decimal | None
    visitors: int
    trade: int
    trade_share: float | None
    returning: int
    returning_share: float | None
    conversions: int
    #: Whether E has opened (its first day is today or past).
    opened: bool = True
    #: Of E-1's exhibitors, those who have not booked E yet: None once E has opened.
    not_yet_rebooked: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _measure(basis: str, sub: Any) -> Any:
    if basis not in BASES:
        raise ValidationError("basis", f"Compare by one of {', '.join(BASES)}.")
    return sub.c.area_m2 if basis == "area" else sub.c.revenue


def edition_kpis(
    session: Session,
    show: Show,
    basis: str = "area",
    today: date | None = None,
    visitor_counts: tuple[int, int, int] | None = None,
) -> EditionKpis:
    """Compute the KPIs of one edition (see the module docstring for definitions);
    ``visitor_counts`` (visitors, trade, returning) when already counted."""
    prev, _next = facts.neighbours(session, show)
    cur = facts.exhibitor_facts(show.id).subquery("cur")
    prv = facts.exhibitor_facts(prev.id if prev else -1).subquery("prv")
    cur_m, prv_m = _measure(basis, cur), _measure(basis, prv)
    kept = prv.c.company_id.is_not(None)
    row = session.execute(
        select(
            func.count(cur.c.company_id),
            func.coalesce(func.sum(cur.c.revenue), 0),
            func.coalesce(func.sum(cur.c.area_m2), 0),
            func.coalesce(func.sum(case((kept, 0), else_=1)), 0),
            func.coalesce(func.sum(case((kept, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(kept, cur_m > prv_m), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(kept, cur_m < prv_m), 1), else_=0)), 0),
        ).select_from(cur.outerjoin(prv, prv.c.company_id == cur.c.company_id))
    ).one()
    exhibitors, revenue, area, new, rebooked, upgraded, downgraded = row
    prev_count = session.scalar(select(func.count()).select_from(prv)) or 0
    revenue = money(revenue)
    conversions = (
        session.scalar(select(func.count()).select_from(_converted(show, prev).subquery())) or 0
        if prev
        else 0
    )
    visitors, trade, returning = visitor_counts or _visitor_counts(session, show)
    opened = show.starts_on <= (today or date.today())
    missing = prev_count - int(rebooked)
    return EditionKpis(
        show_code=show.code,
        year=show.year,
        exhibitors=exhibitors,
        new=int(new),
        lost=missing if opened else None,
        upgraded=int(upgraded),
        downgraded=int(downgraded),
        rebooked=int(rebooked),
        rebooking_rate=_ratio(int(rebooked), prev_count),
        net_m2=Decimal(area).quantize(Decimal("0.01")),
        revenue=revenue,
        avg_revenue=money(revenue / exhibitors) if exhibitors else None,
        visitors=visitors,
        trade=trade,
        trade_share=_ratio(trade, visitors),
        returning=returning,
        returning_share=_ratio(returning, visitors),
        conversions=conversions,
        opened=opened,
        not_yet_rebooked=None if opened else missing,
    )


def _visitor_counts(session: Session, show: Show) -> tuple[int, int, int]:
    before = facts.earlier_people(show)
    row = session.execute(
        select(
            func.count(Registration.id),
            func.coalesce(
                func.sum(case((Registration.category == VisitorCategory.TRADE, 1), else_=0)), 0
            ),
            func.count(before.c.person_id),
        )
        .select_from(Registration)
        .outerjoin(before, before.c.person_id == Registration.person_id)
        .where(Registration.show_id == show.id, facts.IS_VISITOR)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _converted(show: Show, prev: Show) -> Select:
    """Select ids of companies new at ``show`` whose people visited ``prev``."""
    cur = facts.exhibitor_facts(show.id).subquery("converted")
    return (
        select(cur.c.company_id)
        .where(cur.c.company_id.not_in(facts.exhibitor_ids(prev.id)))
        .where(
            cur.c.company_id.in_(
                select(Registration.company_id).where(
                    Registration.show_id == prev.id, facts.IS_VISITOR
                )
            )
        )
    )


def all_visitor_counts(session: Session) -> dict[int, tuple[int, int, int]]:
    """Count (visitors, trade, returning) of every edition in one pass over registrations:
    a person is returning at E when their first registration (any category) is earlier."""
    first = (
        select(Registration.person_id, func.min(Show.starts_on).label("first"))
        .join(Show, Show.id == Registration.show_id)
        .group_by(Registration.person_id)
        .subquery("first_seen")
    )
    rows = session.execute(
        select(
            Registration.show_id,
            func.count(),
            func.sum(case((Registration.category == VisitorCategory.TRADE, 1), else_=0)),
            func.sum(case((first.c.first < Show.starts_on, 1), else_=0)),
        )
        .join(Show, Show.id == Registration.show_id)
        .join(first, first.c.person_id == Registration.person_id)
        .where(facts.IS_VISITOR)
        .group_by(Registration.show_id)
    )
    return {show_id: (int(n), int(t or 0), int(r or 0)) for show_id, n, t, r in rows}


def trend(session: Session, basis: str = "area", today: date | None = None) -> list[EditionKpis]:
    """Compute the KPIs of every edition, oldest first (visitors counted in one pass)."""
    counts = all_visitor_counts(session)
    return [
        edition_kpis(session, show, basis, today, counts.get(show.id, (0, 0, 0)))
        for show in facts.editions(session)
    ]


def as_json(k: EditionKpis) -> dict[str, Any]:
    """Return one edition's exhibitor KPIs as ``followup kpis --json`` prints them.

    Amounts and areas are decimal strings (exact); ``lost`` is null and
    ``not_yet_rebooked`` given while the edition has not opened.
    """
    data: dict[str, Any] = {
        "show": k.show_code,
        "exhibitors": k.exhibitors,
        "new": k.new,
        "lost": k.lost,
        "rebooked": k.rebooked,
        "rebooking_rate": k.rebooking_rate,
        "upgraded": k.upgraded,
        "downgraded": k.downgraded,
        "area_m2": str(k.net_m2),
        "revenue": str(k.revenue),
        "opened": k.opened,
    }
    if not k.opened:
        data["not_yet_rebooked"] = k.not_yet_rebooked
    return data


# -- the lists behind the figures ---------------------------------------------------------


def exhibitor_list(session: Session, show: Show, kind: str, basis: str = "area") -> Select:
    """Select the companies behind an exhibitor figure, with both editions' area and revenue.

    Columns: company_id, name, country, industry, prev_area, area, prev_revenue, revenue.
    """
    if kind not in EXHIBITOR_LISTS:
        raise ValidationError("kind", f"Unknown list {kind!r}.")
    prev, _next = facts.neighbours(session, show)
    cur = facts.exhibitor_facts(show.id).subquery("cur")
    prv = facts.exhibitor_facts(prev.id if prev else -1).subquery("prv")
    cur_m, prv_m = _measure(basis, cur), _measure(basis, prv)
    columns = [
        Company.id.label("company_id"),
        Company.name,
        Company.country,
        Company.industry,
        prv.c.area_m2.label("prev_area"),
        cur.c.area_m2.label("area"),
        prv.c.revenue.label("prev_revenue"),
        cur.c.revenue.label("revenue"),
    ]
    if kind == "lost":
        query = (
            select(*columns)
            .select_from(prv)
            .join(Company, Company.id == prv.c.company_id)
            .outerjoin(cur, cur.c.company_id == prv.c.company_id)
            .where(cur.c.company_id.is_(None))
        )
        return query.order_by(prv.c.revenue.desc(), Company.name)
    query = (
        select(*columns)
        .select_from(cur)
        .join(Company, Company.id == cur.c.company_id)
        .outerjoin(prv, prv.c.company_id == cur.c.company_id)
    )
    if kind == "new":
        query = query.where(prv.c.company_id.is_(None))
    elif kind == "rebooked":
        query = query.where(prv.c.company_id.is_not(None))
    elif kind == "upgraded":
        query = query.where(prv.c.company_id.is_not(None), cur_m > prv_m)
    elif kind == "downgraded":
        query = query.where(prv.c.company_id.is_not(None), cur_m < prv_m)
    elif kind == "converted":
        if prev is None:
            return query.where(literal(False))
        query = query.where(cur.c.company_id.in_(_converted(show, prev)))
    return query.order_by(cur.c.revenue.desc(), Company.name)


def visitor_list(session: Session, show: Show, kind: str) -> Select:
    """Select the people behind a visitor figure.

    Columns: person_id, full_name, company_id, company, country, category, industry.
    """
    if kind not in VISITOR_LISTS:
        raise ValidationError("kind", f"Unknown list {kind!r}.")
    query = (
        select(
            Person.id.label("person_id"),
            Person.full_name,
            Company.id.label("company_id"),
            Company.name.label("company"),
            Company.country,
            Registration.category,
            Registration.industry,
        )
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Company, Company.id == Registration.company_id)
        .where(Registration.show_id == show.id, facts.IS_VISITOR)
    )
    if kind == "trade":
        query = query.where(Registration.category == VisitorCategory.TRADE)
    elif kind == "returning":
        before = facts.earlier_people(show)
        query = query.join(before, before.c.person_id == Registration.person_id)
    return query.order_by(Person.full_name, Person.id)


# -- sales ranking ------------------------------------------------------------------------


@dataclass
class SalesRank:
    user_id: int
    name: str
    revenue: Decimal
    contracts: int
    quotes: int
    quotes_converted: int
    quote_rate: float | None
    tasks_done: int


def sales_ranking(session: Session, show: Show) -> list[SalesRank]:
    """Rank users by revenue signed at the edition (see the module docstring)."""
    prev, nxt = facts.neighbours(session, show)
    signed = dict(
        (uid, (money(rev), n))
        for uid, rev, n in session.execute(
            select(Contract.signed_by_id, func.sum(Contract.total), func.count(Contract.id))
            .where(Contract.show_id == show.id, facts.NOT_CANCELLED)
            .where(Contract.signed_by_id.is_not(None))
            .group_by(Contract.signed_by_id)
        )
    )
    quoted = {
        uid: (int(n), int(won))
        for uid, n, won in session.execute(
            select(Quote.issued_by_id, func.count(Quote.id), func.count(Contract.id))
            .outerjoin(Contract, Contract.quote_id == Quote.id)
            .where(Quote.show_id == show.id, Quote.issued_by_id.is_not(None))
            .group_by(Quote.issued_by_id)
        )
    }
    done = select(FollowUpTask.assigned_to_id, func.count(FollowUpTask.id)).where(
        FollowUpTask.status == TaskStatus.DONE
    )
    if prev is not None:
        start = datetime.combine(prev.ends_on + timedelta(days=1), time(), tzinfo=UTC)
        done = done.where(FollowUpTask.completed_at >= start)
    if nxt is not None:
        end = datetime.combine(show.ends_on + timedelta(days=1), time(), tzinfo=UTC)
        done = done.where(FollowUpTask.completed_at < end)
    tasks: dict[int, int] = {
        uid: n for uid, n in session.execute(done.group_by(FollowUpTask.assigned_to_id))
    }
    user_ids = set(signed) | set(quoted) | set(tasks)
    names: dict[int, str] = {
        uid: name
        for uid, name in session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    }
    ranking = []
    for uid in user_ids:
        revenue, contracts = signed.get(uid, (money(0), 0))
        quotes, won = quoted.get(uid, (0, 0))
        ranking.append(
            SalesRank(
                user_id=uid,
                name=names.get(uid, "?"),
                revenue=revenue,
                contracts=contracts,
                quotes=quotes,
                quotes_converted=won,
                quote_rate=_ratio(won, quotes),
                tasks_done=int(tasks.get(uid, 0)),
            )
        )
    ranking.sort(key=lambda r: (-r.revenue, -r.contracts, -r.tasks_done, r.name))
    return ranking
