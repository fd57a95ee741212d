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
``DEFAULT_WEIGHTS``, unless a model learned from the show's history proved better
(:mod:`expo_crm.followup.learning`). The database scores, orders and pages the candidates
(:func:`ranked_query`), so a page of the list costs what the page shows.
:func:`backtest` checks the rankings against what really happened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from expo_crm.directory.models import Activity, Company
from expo_crm.errors import ValidationError
from expo_crm.followup import engagement, facts
from expo_crm.followup.models import FollowupSettings
from expo_crm.followup.scoring import LinearScore
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
#: Column names of signals whose own name SQL reserves (``RETURNING``) or the query uses.
COLUMNS = {"returning": "returning_editions", "industry": "industry_match"}
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
    model: LinearScore | None = None

    @property
    def reasons(self) -> list[tuple[str, str, float]]:
        """(signal, text, points) of every signal that scored, computed when shown."""
        model = self.model or hand_score(DEFAULT_WEIGHTS)
        found = []
        for signal in SIGNALS:
            points = round(model.term(signal, self.signals[signal]), 2)
            if points and (self.signals[signal] or model.kind == "learned"):
                text = str(REASON_TEXT[signal]) % {"n": self.signals[signal]}
                found.append((signal, text, points))
        return found

    @property
    def reason_text(self) -> str:
        return "; ".join(f"{text} (+{points:g})" for _s, text, points in self.reasons)


def hand_score(weights: Mapping[str, float]) -> LinearScore:
    """The organizer's weights as a score: ``weight × min(value, cap)`` per signal."""
    return LinearScore(slopes={s: float(weights.get(s, 0.0)) for s in SIGNALS}, caps=CAPS)


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


def candidate_query(
    session: Session, show: Show, exclude_exhibitors_of: Show | None = None
) -> Select:
    """Select the candidates of ``show``, one row each: company_id, name, country, industry
    and every signal (named as in SIGNALS)."""
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
    past = facts.participation_rows(facts.editions_before(session, show))
    lapsed = select(past.c.company_id.label("company_id")).distinct().subquery("lapsed")
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
            earlier.company_id.in_(select(agg.c.company_id)),
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
    return (
        select(
            agg.c.company_id,
            Company.name,
            Company.country,
            Company.industry.label("company_industry"),
            agg.c.visitors,
            agg.c.senior,
            case((Company.industry.in_(show_industries), 1), else_=0).label(COLUMNS["industry"]),
            case(
                (Company.activity.in_([Activity.MANUFACTURER, Activity.DISTRIBUTOR]), 1), else_=0
            ).label("maker"),
            case((lapsed.c.company_id.is_not(None), 1), else_=0).label("lapsed"),
            func.coalesce(scans.c.scans, 0).label("scans"),
            func.coalesce(returning.c.editions, 0).label(COLUMNS["returning"]),
        )
        .join(Company, Company.id == agg.c.company_id)
        .outerjoin(scans, scans.c.company_id == agg.c.company_id)
        .outerjoin(lapsed, lapsed.c.company_id == agg.c.company_id)
        .outerjoin(returning, returning.c.company_id == agg.c.company_id)
        .where(Company.merged_into_id.is_(None))
    )


def _prospect(row: Any, model: LinearScore | None = None) -> Prospect:
    signals = {s: int(getattr(row, COLUMNS.get(s, s)) or 0) for s in SIGNALS}
    prospect = Prospect(
        row.company_id, row.name, row.country, row.company_industry, signals, model=model
    )
    if model is not None:
        prospect.score = round(float(row.score), 2)
    return prospect


def candidate_signals(
    session: Session, show: Show, exclude_exhibitors_of: Show | None = None
) -> list[Prospect]:
    """Return the candidates of ``show`` with their raw signals (unscored, in id order)."""
    sub = candidate_query(session, show, exclude_exhibitors_of).subquery("candidates")
    return [_prospect(r) for r in session.execute(select(sub).order_by(sub.c.company_id))]


def ranked_query(
    session: Session, show: Show, model: LinearScore, exclude_exhibitors_of: Show | None = None
) -> Select:
    """Select the candidates with their score, best first (score, then visitors, then id)."""
    sub = candidate_query(session, show, exclude_exhibitors_of).subquery("candidates")
    score = model.sql({s: sub.c[COLUMNS.get(s, s)] for s in SIGNALS})
    return select(sub, score.label("score")).order_by(
        score.desc(), sub.c.visitors.desc(), sub.c.company_id
    )


def score(prospects: Iterable[Prospect], weights: Mapping[str, float]) -> list[Prospect]:
    """Score each prospect by hand weights and return them ranked (score, then visitors,
    then id)."""
    model = hand_score(weights)
    ranked = list(prospects)
    for p in ranked:
        p.model = model
        p.score = round(model.score(p.signals), 2)
    ranked.sort(key=lambda p: (-p.score, -p.signals["visitors"], p.company_id))
    return ranked


def last_completed_show(session: Session, today: date | None = None) -> Show | None:
    """Return the latest edition that has ended (the one to follow up)."""
    today = today or date.today()
    return session.scalar(
        select(Show).where(Show.ends_on < today).order_by(Show.starts_on.desc()).limit(1)
    )


def current_model(session: Session) -> LinearScore:
    """The score in use: the learned model when it was adopted, else the organizer's weights."""
    from expo_crm.followup import learning

    adopted = learning.adopted(session, "prospects")
    if adopted is not None:
        return LinearScore.from_dict(adopted.score, CAPS)
    return hand_score(get_weights(session))


def prospect_ranking(
    session: Session,
    show: Show,
    weights: Mapping[str, float] | None = None,
    limit: int | None = None,
) -> list[Prospect]:
    """Rank the prospects of ``show`` that are not booked for the coming edition (the
    given weights, else the score in use); ``limit`` keeps the best ones only."""
    _prev, coming = facts.neighbours(session, show)
    model = hand_score(weights) if weights is not None else current_model(session)
    query = ranked_query(session, show, model, exclude_exhibitors_of=coming)
    if limit is not None:
        query = query.limit(limit)
    return [_prospect(r, model) for r in session.execute(query)]


def prospect_page(
    session: Session, show: Show, page: int, per_page: int
) -> tuple[list[Prospect], int]:
    """Return one page of the ranking and the number of prospects (ranked by the database)."""
    _prev, coming = facts.neighbours(session, show)
    model = current_model(session)
    query = ranked_query(session, show, model, exclude_exhibitors_of=coming)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [_prospect(r, model) for r in rows], int(total or 0)


# -- learning and backtest -------------------------------------------------------------------


def question() -> Any:
    """What :mod:`learning` learns for prospects: who exhibits at the next edition."""
    from expo_crm.followup import learning

    def examples(session: Session, show: Show) -> list[learning.Example]:
        return [learning.Example(p.company_id, p.signals) for p in candidate_signals(session, show)]

    def outcome(session: Session, show: Show, nxt: Show) -> set[int]:
        return set(session.scalars(facts.exhibitor_ids(nxt.id)))

    return learning.Question(
        kind="prospects",
        signals=SIGNALS,
        caps=CAPS,
        hand=lambda session: hand_score(get_weights(session)),
        examples=examples,
        outcome=outcome,
        baselines={"visitors": lambda e: float(e.signals["visitors"])},
    )


def backtest(
    session: Session, show: Show, ks: tuple[int, ...] = (20, 50, 100), seed: int = 42
) -> Any:
    """Rank the companies that visited ``show`` without exhibiting by the organizer's
    weights, by a model learned on earlier editions, by visitor count and at random; count
    those in each top K that exhibited at the next edition, with each ranking's ROC AUC.
    Raise ValidationError when ``show`` has no next edition."""
    from expo_crm.followup import learning

    return learning.backtest(session, question(), show, seed=seed, ks=ks)
