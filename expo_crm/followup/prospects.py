"""Mine prospective exhibitors from the companies whose people visited an edition.

**Candidates** for edition S: companies with at least one visitor registration at S (see
:mod:`facts`) that did not exhibit at S; the live list also drops companies that already
exhibit at the coming edition (the one after S), and merged company records.

**Score** = the sum over named signals of ``weight × min(value, cap)``; every signal that
scores is shown as a reason with its points. Signals (computed per company in SQL):

=============  ======================================================  ====
signal         value                                                   cap
=============  ======================================================  ====
visitors       distinct people of the company who visited S              5
senior         of those, senior or purchasing roles (see SENIOR_*)       3
industry       1 if its industry is among S's exhibitors' industries     1
maker          1 if it is a manufacturer or a distributor                1
lapsed         1 if it exhibited at an edition before S                  1
scans          leads captured on its people by exhibitors at S          20
returning      earlier editions its people visited                       3
=============  ======================================================  ====

The weights are the organizer's (``FollowupSettings.prospect_weights``), defaulting to
``DEFAULT_WEIGHTS``. :func:`backtest` checks the ranking against what really happened.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from expo_crm.directory.models import Activity, Company
from expo_crm.errors import ValidationError
from expo_crm.followup import engagement, facts
from expo_crm.followup.models import FollowupSettings
from expo_crm.labels import register_codes
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, VisitorCategory

log = logging.getLogger(__name__)

SIGNALS = ("visitors", "senior", "industry", "maker", "lapsed", "scans", "returning")
DEFAULT_WEIGHTS: dict[str, float] = {
    "visitors": 2.0,
    "senior": 3.0,
    "industry": 4.0,
    "maker": 5.0,
    "lapsed": 8.0,
    "scans": 0.5,
    "returning": 2.0,
}
CAPS: dict[str, int] = {
    "visitors": 5,
    "senior": 3,
    "industry": 1,
    "maker": 1,
    "lapsed": 1,
    "scans": 20,
    "returning": 3,
}
MAX_WEIGHT = 100.0
#: Purchasing roles and job functions (lower-case, as the visitors questionnaire stores them,
#: plus common imports) that make a visitor "senior".
SENIOR_PURCHASING = ("final decision", "recommend", "decision_maker", "influencer")
SENIOR_FUNCTIONS = (
    "general management",
    "purchasing",
    "management",
    "executive",
    "owner",
    "procurement",
)

#: How each signal reads as a reason (``%(n)s``: the signal's value), translated when shown.
REASON_TEXT = {
    "visitors": _l("%(n)s distinct visitors"),
    "senior": _l("%(n)s senior or purchasing visitors"),
    "industry": _l("industry among the show's exhibitor industries"),
    "maker": _l("manufacturer or distributor"),
    "lapsed": _l("exhibited in the past, lapsed"),
    "scans": _l("%(n)s booth scans"),
    "returning": _l("visited %(n)s earlier editions"),
}
register_codes(
    "prospect_signal",
    {
        "visitors": _l("Visitors"),
        "senior": _l("Senior or purchasing visitors"),
        "industry": _l("Industry among the exhibitors'"),
        "maker": _l("Manufacturer or distributor"),
        "lapsed": _l("Lapsed exhibitor"),
        "scans": _l("Booth scans"),
        "returning": _l("Earlier editions visited"),
    },
)


@dataclass(slots=True)
class Prospect:
    company_id: int
    name: str
    country: str | None
    industry: str | None
    signals: dict[str, int]
    score: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)

    @property
    def reasons(self) -> list[tuple[str, str, float]]:
        """(signal, text, points) of every signal that scored, computed when shown."""
        found = []
        for signal in SIGNALS:
            points = _points(self.signals[signal], signal, self.weights)
            if points:
                text = str(REASON_TEXT[signal]) % {"n": self.signals[signal]}
                found.append((signal, text, points))
        return found

    @property
    def reason_text(self) -> str:
        return "; ".join(f"{text} (+{points:g})" for _s, text, points in self.reasons)


def _points(value: int, signal: str, weights: Mapping[str, float]) -> float:
    return round(weights.get(signal, 0.0) * min(value, CAPS[signal]), 2)


# -- weights -------------------------------------------------------------------------------


def get_weights(session: Session) -> dict[str, float]:
    """Return the organizer's weights, defaults filled in."""
    settings = session.scalar(select(FollowupSettings).limit(1))
    stored = settings.prospect_weights if settings else {}
    return {k: float(stored.get(k, v)) for k, v in DEFAULT_WEIGHTS.items()}


def validate_weights(raw: Mapping[str, Any]) -> dict[str, float]:
    """Return clean weights; raise ValidationError on an unknown signal or a bad number."""
    clean = {}
    for key, value in raw.items():
        if key not in DEFAULT_WEIGHTS:
            raise ValidationError(key, f"Unknown signal {key!r}.")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(key, f"The weight of {key} must be a number.") from None
        if not 0 <= number <= MAX_WEIGHT:
            raise ValidationError(key, f"The weight of {key} must be between 0 and 100.")
        clean[key] = number
    return clean


def save_weights(session: Session, raw: Mapping[str, Any], user: Any = None) -> dict[str, float]:
    """Store the organizer's weights; raise ValidationError and change nothing on bad input."""
    clean = validate_weights(raw)
    settings = session.scalar(select(FollowupSettings).limit(1))
    if settings is None:
        settings = FollowupSettings(prospect_weights={})
        session.add(settings)
    settings.prospect_weights = {**get_weights(session), **clean}
    settings.updated_by_id = getattr(user, "id", None)
    session.flush()
    log.info("Prospect weights set to %s by %s", clean, getattr(user, "email", "?"))
    return get_weights(session)


# -- signals and score ---------------------------------------------------------------------


def _senior_clause() -> Any:
    return func.lower(func.coalesce(Registration.purchasing_role, "")).in_(
        SENIOR_PURCHASING
    ) | func.lower(func.coalesce(Registration.job_function, "")).in_(SENIOR_FUNCTIONS)


def candidate_signals(
    session: Session, show: Show, exclude_exhibitors_of: Show | None = None
) -> list[Prospect]:
    """Return the candidates of ``show`` with their raw signals (unscored, in id order)."""
    excluded: Any = facts.exhibitor_ids(show.id)
    if exclude_exhibitors_of is not None:
        excluded = excluded.union(facts.exhibitor_ids(exclude_exhibitors_of.id))
    # The edition's visits first (materialized, so planners read them by edition, not by
    # walking the company index), then one row per candidate company.
    visits = (
        select(
            Registration.company_id.label("company_id"),
            Registration.person_id.label("person_id"),
            case((_senior_clause(), 1), else_=0).label("senior"),
        )
        .where(
            Registration.show_id == show.id,
            facts.IS_VISITOR,
            Registration.company_id.is_not(None),
        )
        .cte("visits")
        .prefix_with("MATERIALIZED")
    )
    agg = (
        select(
            visits.c.company_id,
            # One registration per person and edition, so rows are distinct visitors.
            func.count().label("visitors"),
            func.sum(visits.c.senior).label("senior"),
        )
        .where(visits.c.company_id.not_in(excluded))
        .group_by(visits.c.company_id)
        .subquery("agg")
    )
    scans = engagement.lead_scans_by_company(show.id).subquery("scans")
    earlier_show = aliased(Show)
    past = facts.participation_rows()
    lapsed = (
        select(past.c.company_id.label("company_id"))
        .join(earlier_show, earlier_show.id == past.c.show_id)
        .where(earlier_show.starts_on < show.starts_on)
        .distinct()
        .subquery("lapsed")
    )
    earlier = aliased(Registration)
    returning = (
        select(
            earlier.company_id.label("company_id"),
            func.count(distinct(earlier.show_id)).label("editions"),
        )
        .join(earlier_show, earlier_show.id == earlier.show_id)
        .where(
            earlier_show.starts_on < show.starts_on,
            earlier.category != VisitorCategory.EXHIBITOR_STAFF,
            earlier.company_id.in_(select(visits.c.company_id)),
        )
        .group_by(earlier.company_id)
        .subquery("earlier_visits")
    )
    exhibitor = aliased(Company)
    show_industries = (
        select(exhibitor.industry)
        .where(exhibitor.id.in_(facts.exhibitor_ids(show.id)), exhibitor.industry.is_not(None))
        .distinct()
    )
    query = (
        select(
            agg.c.company_id,
            Company.name,
            Company.country,
            Company.industry,
            agg.c.visitors,
            agg.c.senior,
            case((Company.industry.in_(show_industries), 1), else_=0).label("industry_match"),
            case(
                (Company.activity.in_([Activity.MANUFACTURER, Activity.DISTRIBUTOR]), 1), else_=0
            ).label("maker"),
            case((lapsed.c.company_id.is_not(None), 1), else_=0).label("lapsed"),
            func.coalesce(scans.c.scans, 0).label("scans"),
            func.coalesce(returning.c.editions, 0).label("returning_editions"),
        )
        .join(Company, Company.id == agg.c.company_id)
        .outerjoin(scans, scans.c.company_id == agg.c.company_id)
        .outerjoin(lapsed, lapsed.c.company_id == agg.c.company_id)
        .outerjoin(returning, returning.c.company_id == agg.c.company_id)
        .where(Company.merged_into_id.is_(None))
        .order_by(agg.c.company_id)
    )
    prospects = []
    for row in session.execute(query):
        signals = {
            "visitors": int(row.visitors),
            "senior": int(row.senior),
            "industry": int(row.industry_match),
            "maker": int(row.maker),
            "lapsed": int(row.lapsed),
            "scans": int(row.scans),
            "returning": int(row.returning_editions),
        }
        prospects.append(Prospect(row.company_id, row.name, row.country, row.industry, signals))
    return prospects


def score(prospects: Iterable[Prospect], weights: Mapping[str, float]) -> list[Prospect]:
    """Score each prospect and return them ranked (score, then visitors, then id)."""
    ranked = list(prospects)
    weights = dict(weights)
    for p in ranked:
        p.weights = weights
        p.score = round(sum(_points(p.signals[s], s, weights) for s in SIGNALS), 2)
    ranked.sort(key=lambda p: (-p.score, -p.signals["visitors"], p.company_id))
    return ranked


def last_completed_show(session: Session, today: date | None = None) -> Show | None:
    """Return the latest edition that has ended (the one to follow up)."""
    today = today or date.today()
    return session.scalar(
        select(Show).where(Show.ends_on < today).order_by(Show.starts_on.desc()).limit(1)
    )


def prospect_ranking(
    session: Session, show: Show, weights: Mapping[str, float] | None = None
) -> list[Prospect]:
    """Rank the prospects of ``show`` that are not booked for the coming edition."""
    _prev, coming = facts.neighbours(session, show)
    weights = weights if weights is not None else get_weights(session)
    return score(candidate_signals(session, show, exclude_exhibitors_of=coming), weights)


# -- backtest ------------------------------------------------------------------------------


@dataclass
class BacktestResult:
    show_code: str
    next_code: str
    candidates: int
    exhibited_next: int  #: candidates that exhibited at the next edition (all the hits there are)
    hits: dict[str, dict[int, int]]  #: {ranking: {k: hits in top k}}
    ks: tuple[int, ...]

    @property
    def base_rate(self) -> float:
        return self.exhibited_next / self.candidates if self.candidates else 0.0


def backtest(
    session: Session,
    show: Show,
    ks: tuple[int, ...] = (20, 50, 100),
    weights: Mapping[str, float] | None = None,
    seed: int = 42,
) -> BacktestResult:
    """Rank the companies that visited ``show`` without exhibiting, count those in the top K
    that exhibited at the next edition, beside ranking by visitor count and at random.

    Raise ValidationError when ``show`` has no next edition.
    """
    _prev, nxt = facts.neighbours(session, show)
    if nxt is None:
        raise ValidationError("show", f"{show.code} has no next edition to test against.")
    weights = weights if weights is not None else get_weights(session)
    candidates = candidate_signals(session, show)
    exhibited = set(session.scalars(facts.exhibitor_ids(nxt.id)))
    model = [p.company_id for p in score(candidates, weights)]
    by_visitors = [
        p.company_id
        for p in sorted(candidates, key=lambda p: (-p.signals["visitors"], p.company_id))
    ]
    shuffled = sorted(p.company_id for p in candidates)
    random.Random(seed).shuffle(shuffled)  # noqa: S311  (a reproducible baseline, not secrecy)
    hits = {
        name: {k: sum(1 for cid in ranking[:k] if cid in exhibited) for k in ks}
        for name, ranking in (("score", model), ("visitors", by_visitors), ("random", shuffled))
    }
    return BacktestResult(
        show_code=show.code,
        next_code=nxt.code,
        candidates=len(candidates),
        exhibited_next=sum(1 for p in candidates if p.company_id in exhibited),
        hits=hits,
        ks=ks,
    )
