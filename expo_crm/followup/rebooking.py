"""Rebooking risk: the exhibitors of an edition ranked by their risk of not coming back.

For edition S, every company that exhibited at S (see :mod:`facts`) gets signals known at
S's end, computed in SQL, one row per exhibitor:

==============  ==========================================================  ====
signal          value                                                        cap
==============  ==========================================================  ====
editions        editions it exhibited at, S included                           8
first_time      1 if S is its first                                            1
gaps            editions it missed between its first and S                     3
returned        1 if it missed the edition before S but exhibited earlier      1
shrank, grew    1 if its area at S is below / above its area the edition       1
                before (both known)
late_days       most days an invoice of S due by S's end was paid late         90
                (still open at the end: late until the end)
unpaid          1 if an invoice due by S's end was not fully paid by then      1
cancelled       contracts it cancelled at S                                    2
no_leads        1 if it captured no lead while the edition recorded leads      1
leads           leads it captured at S                                        30
no_staff        1 if none of its staff checked in while the edition            1
                recorded check-ins
feedback_no,    1 if its answer to "would you exhibit again" (0 to 1, from a   1
feedback_yes    feedback source, see :func:`feedback_source`) is below /
                at least one half
==============  ==========================================================  ====

The score is a :class:`~expo_crm.followup.scoring.LinearScore`: the hand weights below, or a
model learned from the show's own history when it proved better
(:mod:`expo_crm.followup.learning`). Each signal's points are a reason beside the score.

Services other domains call: :func:`risk_list` (the ranked list, for campaigns and tasks),
:func:`signals_of` (one company's signals) and :func:`feedback_source` (to feed survey
answers in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from expo_crm.badges.models import CheckIn, Lead
from expo_crm.directory.models import Company
from expo_crm.exhibitors.models import Contract, ContractStatus, Invoice, Payment
from expo_crm.followup import facts
from expo_crm.followup.scoring import LinearScore, capped
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, VisitorCategory

log = logging.getLogger(__name__)

SIGNALS = (
    "editions",
    "first_time",
    "gaps",
    "returned",
    "shrank",
    "grew",
    "late_days",
    "unpaid",
    "cancelled",
    "no_leads",
    "leads",
    "no_staff",
    "feedback_no",
    "feedback_yes",
)
CAPS: dict[str, int] = {
    "editions": 8,
    "first_time": 1,
    "gaps": 3,
    "returned": 1,
    "shrank": 1,
    "grew": 1,
    "late_days": 90,
    "unpaid": 1,
    "cancelled": 2,
    "no_leads": 1,
    "leads": 30,
    "no_staff": 1,
    "feedback_no": 1,
    "feedback_yes": 1,
}
#: Risk points per unit of each signal (positive: more likely to lapse).
HAND_WEIGHTS: dict[str, float] = {
    "editions": -0.4,
    "first_time": 3.0,
    "gaps": 1.0,
    "returned": 1.0,
    "shrank": 2.0,
    "grew": -1.0,
    "late_days": 1 / 30,
    "unpaid": 2.0,
    "cancelled": 1.5,
    "no_leads": 1.5,
    "leads": -0.05,
    "no_staff": 1.0,
    "feedback_no": 4.0,
    "feedback_yes": -2.0,
}
HAND = LinearScore(slopes=HAND_WEIGHTS, caps=CAPS)

REASON_TEXT = {
    "editions": _l("exhibited at %(value)s editions"),
    "first_time": _l("first edition"),
    "gaps": _l("missed %(value)s editions since its first"),
    "returned": _l("came back after missing the edition before"),
    "shrank": _l("took less space than the edition before"),
    "grew": _l("took more space than the edition before"),
    "late_days": _l("paid up to %(value)s days late"),
    "unpaid": _l("still owed money when the show ended"),
    "cancelled": _l("cancelled %(value)s contracts"),
    "no_leads": _l("captured no leads"),
    "leads": _l("captured %(value)s leads"),
    "no_staff": _l("none of its staff checked in"),
    "feedback_no": _l("said it may not exhibit again"),
    "feedback_yes": _l("said it would exhibit again"),
}

#: (session, show_id) → {company_id: score 0..1}: the answer to "would you exhibit again".
FeedbackSource = Callable[[Session, int], Mapping[int, float]]
_feedback_sources: list[FeedbackSource] = []


def feedback_source(source: FeedbackSource) -> FeedbackSource:
    """Register where exhibitors' "would you exhibit again" answers come from (a decorator).

    ``source(session, show_id)`` returns {company_id: score} with the score between 0 (no)
    and 1 (yes), for the companies that answered about that edition. The last source
    registered is used; the default reads the exhibitor surveys
    (``expo_crm.surveys.results.exhibit_again_scores``, 0 to 10).
    """
    _feedback_sources.append(source)
    return source


@feedback_source
def survey_answers(session: Session, show_id: int) -> Mapping[int, float]:
    """The exhibitor surveys' "would you exhibit again" (0 to 10), as 0 to 1."""
    from expo_crm.surveys.results import exhibit_again_scores

    return {cid: score / 10 for cid, score in exhibit_again_scores(session, show_id).items()}


def at_risk_company_ids(session: Session, show: Show) -> list[int]:
    """Ids of ``show``'s exhibitors not yet booked for the coming edition, riskiest first
    (what mailings to exhibitors at risk are sent to)."""
    return [r.company_id for r in risk_list(session, show)]


@dataclass(slots=True)
class RiskRow:
    company_id: int
    name: str
    country: str | None
    signals: dict[str, int]
    score: float = 0.0
    model: LinearScore = field(default=HAND)

    @property
    def reasons(self) -> list[tuple[str, str, float]]:
        """(signal, text, points) of every signal that moves the score, biggest first."""
        found = []
        for signal in SIGNALS:
            points = round(self.model.term(signal, self.signals[signal]), 2)
            if points and (self.signals[signal] or self.model.kind == "learned"):
                text = str(REASON_TEXT[signal]) % {"value": self.signals[signal]}
                found.append((signal, text, points))
        return sorted(found, key=lambda r: -abs(r[2]))

    @property
    def reason_text(self) -> str:
        return "; ".join(f"{text} ({points:+g})" for _s, text, points in self.reasons)


# -- signals in SQL --------------------------------------------------------------------------


def _days(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier


def signal_query(session: Session, show: Show) -> Select:
    """Select one row per exhibitor of ``show``: company_id, name, country and every signal
    (see the module docstring), from what was known when ``show`` ended."""
    shows = [s for s in facts.editions(session) if s.starts_on <= show.starts_on]
    position = {s.id: k for k, s in enumerate(shows, 1)}
    this = position[show.id]
    before = shows[-2] if len(shows) >= 2 else None
    dialect = session.get_bind().dialect.name

    past = facts.participation_rows(list(position))
    ordinal = case(position, value=past.c.show_id)
    history = (
        select(
            past.c.company_id,
            func.count().label("editions"),
            func.min(ordinal).label("first"),
        )
        .group_by(past.c.company_id)
        .subquery("history")
    )
    cur = facts.participation_rows([show.id])
    prv = facts.participation_rows([before.id if before else -1])
    prv_sub = select(prv.c.company_id, prv.c.area_m2).subquery("prev")

    paid = (
        select(
            Payment.invoice_id,
            func.sum(Payment.amount).label("paid"),
            func.max(Payment.received_on).label("last"),
        )
        .where(Payment.received_on <= show.ends_on)
        .group_by(Payment.invoice_id)
        .subquery("paid")
    )
    settled = func.coalesce(paid.c.paid, 0) >= Invoice.amount
    late = case(
        (settled, _days(paid.c.last, Invoice.due_on, dialect)),
        else_=_days(literal(show.ends_on), Invoice.due_on, dialect),
    )
    invoices = (
        select(
            Invoice.company_id,
            func.max(case((late > 0, late), else_=0)).label("late_days"),
            func.max(case((settled, 0), else_=1)).label("unpaid"),
        )
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.show_id == show.id, Invoice.due_on <= show.ends_on)
        .group_by(Invoice.company_id)
        .subquery("invoices")
    )
    cancelled = (
        select(Contract.company_id, func.count().label("cancelled"))
        .where(Contract.show_id == show.id, Contract.status == ContractStatus.CANCELLED)
        .group_by(Contract.company_id)
        .subquery("cancelled")
    )
    leads = (
        select(Lead.company_id, func.count().label("leads"))
        .where(Lead.show_id == show.id)
        .group_by(Lead.company_id)
        .subquery("leads")
    )
    staff = (
        select(Registration.company_id, func.count(distinct(Registration.person_id)).label("n"))
        .join(CheckIn, CheckIn.registration_id == Registration.id)
        .where(
            Registration.show_id == show.id,
            Registration.category == VisitorCategory.EXHIBITOR_STAFF,
        )
        .group_by(Registration.company_id)
        .subquery("staff")
    )
    edition_leads = exists().where(Lead.show_id == show.id)
    edition_checkins = exists().where(CheckIn.show_id == show.id)

    editions = func.coalesce(history.c.editions, 1)
    first = func.coalesce(history.c.first, this)
    lead_count = func.coalesce(leads.c.leads, 0)
    columns: list[Any] = [
        cur.c.company_id.label("company_id"),
        Company.name.label("name"),
        Company.country.label("country"),
        editions.label("editions"),
        case((editions == 1, 1), else_=0).label("first_time"),
        (literal(this) - first + 1 - editions).label("gaps"),
        case((and_(prv_sub.c.company_id.is_(None), editions > 1), 1), else_=0).label("returned"),
        case((cur.c.area_m2 < prv_sub.c.area_m2, 1), else_=0).label("shrank"),
        case((cur.c.area_m2 > prv_sub.c.area_m2, 1), else_=0).label("grew"),
        func.coalesce(invoices.c.late_days, 0).label("late_days"),
        func.coalesce(invoices.c.unpaid, 0).label("unpaid"),
        func.coalesce(cancelled.c.cancelled, 0).label("cancelled"),
        case((and_(edition_leads, lead_count == 0), 1), else_=0).label("no_leads"),
        lead_count.label("leads"),
        case((and_(edition_checkins, staff.c.n.is_(None)), 1), else_=0).label("no_staff"),
    ]
    query = (
        select()
        .select_from(cur)
        .join(Company, Company.id == cur.c.company_id)
        .outerjoin(history, history.c.company_id == cur.c.company_id)
        .outerjoin(prv_sub, prv_sub.c.company_id == cur.c.company_id)
        .outerjoin(invoices, invoices.c.company_id == cur.c.company_id)
        .outerjoin(cancelled, cancelled.c.company_id == cur.c.company_id)
        .outerjoin(leads, leads.c.company_id == cur.c.company_id)
        .outerjoin(staff, staff.c.company_id == cur.c.company_id)
    )
    scores = _feedback_sources[-1](session, show.id) if _feedback_sources else {}
    if scores:
        # One SELECT of literals per answer (SQLite names no columns of a VALUES list).
        answers = union_all(
            *(
                select(
                    literal(int(c), Integer).label("company_id"),
                    literal(float(v), Float).label("score"),
                )
                for c, v in scores.items()
            )
        ).subquery("feedback")
        score = answers.c.score
        query = query.outerjoin(answers, answers.c.company_id == cur.c.company_id)
        columns += [
            case((score < 0.5, 1), else_=0).label("feedback_no"),
            case((score >= 0.5, 1), else_=0).label("feedback_yes"),
        ]
    else:
        columns += [literal(0).label("feedback_no"), literal(0).label("feedback_yes")]
    return query.add_columns(*columns)


def _row(row: Any, model: LinearScore) -> RiskRow:
    signals = {s: int(round(float(getattr(row, s) or 0))) for s in SIGNALS}
    return RiskRow(
        company_id=row.company_id,
        name=row.name,
        country=row.country,
        signals=signals,
        score=round(float(row.score), 2) if hasattr(row, "score") else model.score(signals),
        model=model,
    )


def all_signals(session: Session, show: Show) -> list[RiskRow]:
    """Return every exhibitor of ``show`` with its signals (unscored, in company order)."""
    sub = signal_query(session, show).subquery("signals")
    return [_row(r, HAND) for r in session.execute(select(sub).order_by(sub.c.company_id))]


def ranked_query(
    session: Session, show: Show, model: LinearScore, exclude_booked_for: Show | None = None
) -> Select:
    """Select the exhibitors of ``show`` with their signals and score, riskiest first."""
    sub = signal_query(session, show).subquery("signals")
    score = model.sql(sub.c)
    query = select(sub, score.label("score")).order_by(score.desc(), sub.c.company_id)
    if exclude_booked_for is not None:
        query = query.where(sub.c.company_id.not_in(facts.exhibitor_ids(exclude_booked_for.id)))
    return query


# -- the live list ---------------------------------------------------------------------------


def current_model(session: Session) -> LinearScore:
    """The score in use: the learned model when it was adopted, else the hand weights."""
    from expo_crm.followup import learning

    adopted = learning.adopted(session, "rebooking")
    return LinearScore.from_dict(adopted.score, CAPS) if adopted else HAND


def last_edition(session: Session, today: date | None = None) -> Show | None:
    """The edition whose exhibitors are to rebook: the latest that has ended."""
    from expo_crm.followup.prospects import last_completed_show

    return last_completed_show(session, today)


@dataclass
class RiskPage:
    show: Show
    coming: Show | None
    rows: list[RiskRow]
    total: int  #: exhibitors of ``show`` not booked for ``coming``
    booked: int  #: exhibitors of ``show`` already booked for ``coming``
    model: LinearScore


def risk_page(session: Session, show: Show, page: int = 1, per_page: int = 50) -> RiskPage:
    """Return one page of the rebooking-risk list of ``show``'s exhibitors not yet booked
    for the coming edition (the database ranks and pages; only the page is loaded)."""
    _prev, coming = facts.neighbours(session, show)
    model = current_model(session)
    query = ranked_query(session, show, model, exclude_booked_for=coming)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    everyone = session.scalar(
        select(func.count()).select_from(facts.exhibitor_ids(show.id).subquery())
    )
    rows = [
        _row(r, model) for r in session.execute(query.limit(per_page).offset((page - 1) * per_page))
    ]
    return RiskPage(
        show, coming, rows, int(total or 0), int(everyone or 0) - int(total or 0), model
    )


def risk_list(
    session: Session, show: Show | None = None, limit: int | None = None
) -> list[RiskRow]:
    """Return the exhibitors of ``show`` (default: the last edition held) not yet booked for
    the coming one, riskiest first, with their score and reasons: the list campaigns and
    follow-up tasks are made from. Raise NotFound when no edition has ended."""
    from expo_crm.errors import NotFound

    show = show or last_edition(session)
    if show is None:
        raise NotFound("No edition has ended yet.")
    _prev, coming = facts.neighbours(session, show)
    model = current_model(session)
    query = ranked_query(session, show, model, exclude_booked_for=coming)
    if limit is not None:
        query = query.limit(limit)
    return [_row(r, model) for r in session.execute(query)]


def signals_of(session: Session, show: Show, company_id: int) -> RiskRow | None:
    """Return one exhibitor's signals, score and reasons at ``show`` (None if it did not
    exhibit there)."""
    model = current_model(session)
    query = ranked_query(session, show, model)
    sub = query.subquery("one")
    row = session.execute(select(sub).where(sub.c.company_id == company_id)).first()
    return _row(row, model) if row else None


def lapsed(session: Session, show: Show, nxt: Show) -> set[int]:
    """Return the ids of ``show``'s exhibitors that did not exhibit at ``nxt``."""
    at_show = set(session.scalars(facts.exhibitor_ids(show.id)))
    return at_show - set(session.scalars(facts.exhibitor_ids(nxt.id)))


def rows_mapping(rows: list[RiskRow]) -> Mapping[int, RiskRow]:
    return {r.company_id: r for r in rows}


#: Short names of the reasons, for the chart of why exhibitors may not come back.
SIGNAL_LABELS = {
    "editions": _l("Few editions"),
    "first_time": _l("First edition"),
    "gaps": _l("Missed editions"),
    "returned": _l("Back after a gap"),
    "shrank": _l("Took less space"),
    "grew": _l("Took more space"),
    "late_days": _l("Paid late"),
    "unpaid": _l("Owed money at the end"),
    "cancelled": _l("Cancelled a contract"),
    "no_leads": _l("No leads"),
    "leads": _l("Few leads"),
    "no_staff": _l("No staff checked in"),
    "feedback_no": _l("May not exhibit again"),
    "feedback_yes": _l("Would exhibit again"),
}


def reason_counts(session: Session, show: Show, model: LinearScore) -> list[tuple[Any, int]]:
    """Count, among ``show``'s exhibitors not booked for the coming edition, those each signal
    adds risk to (counted in SQL); largest first, empty ones left out."""
    _prev, coming = facts.neighbours(session, show)
    sub = ranked_query(session, show, model, exclude_booked_for=coming).subquery("ranked")
    raising = [s for s in SIGNALS if model.slopes.get(s, 0.0)]
    if not raising:
        return []
    counts = session.execute(
        select(
            *[
                func.coalesce(
                    func.sum(
                        case(
                            (
                                literal(model.slopes[s])
                                * (capped(sub.c[s], CAPS[s]) - literal(model.centers.get(s, 0.0)))
                                > 0,
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                )
                for s in raising
            ]
        )
    ).one()
    found = [(SIGNAL_LABELS[s], int(n)) for s, n in zip(raising, counts, strict=True) if n]
    return sorted(found, key=lambda pair: -pair[1])


def question() -> Any:
    """What :mod:`learning` learns for rebooking: which exhibitors do not come back."""
    from expo_crm.followup import learning

    def examples(session: Session, show: Show) -> list[learning.Example]:
        return [learning.Example(r.company_id, r.signals) for r in all_signals(session, show)]

    return learning.Question(
        kind="rebooking",
        signals=SIGNALS,
        caps=CAPS,
        hand=lambda _session: HAND,
        examples=examples,
        outcome=lapsed,
        baselines={"editions": lambda e: -float(e.signals["editions"])},
    )
