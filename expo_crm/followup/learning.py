"""Weights learned from the organizer's own history, used only when they prove better.

Two questions have an answer one edition later: which visiting companies exhibit at the
next edition (:mod:`prospects`), and which exhibitors do not come back (:mod:`rebooking`).
For either, an edition S whose next edition has opened is an *example year*: its companies'
signals (known at S) and what they did at S+1.

* **Backtest of S** (:func:`backtest`): the companies of S ranked by the hand weights, by a
  model fitted only on example years before S (out of time), and by the baselines; each
  ranking's ROC AUC and how many of its top 20/50/100 had the outcome at S+1.
* **Learning** (:func:`learn`): every example year with earlier ones to fit on is a backtest
  (rolling origin). The model is *adopted* only when its mean AUC over those years beats the
  hand weights' and every baseline's; it is then refitted on all example years and stored.
  Otherwise the verdict is stored with its figures and the hand weights stay.

The model is a logistic regression (scikit-learn) on the capped signals, standardised; it
is kept as a :class:`~expo_crm.followup.scoring.LinearScore`, so its per-signal terms stay
visible as reasons and the database ranks with it. Signals are only what the product
records (visits, scans, contracts, payments…): no generator's hidden variable reaches it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.errors import ValidationError
from expo_crm.followup import facts
from expo_crm.followup.models import LearnedModel
from expo_crm.followup.scoring import LinearScore
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)

KS = (20, 50, 100)
#: Fewest examples of each outcome a training set needs.
MIN_CLASS = 5
#: At most this many companies per example year go into a fit (a seeded sample).
MAX_PER_YEAR = 50_000


@dataclass
class Example:
    company_id: int
    signals: dict[str, int]


@dataclass(frozen=True)
class Question:
    """What is learned: the signals of a kind of list and what counts as the outcome."""

    kind: str  #: ``rebooking`` or ``prospects``
    signals: tuple[str, ...]
    caps: Mapping[str, int]
    hand: Callable[[Session], LinearScore]
    examples: Callable[[Session, Show], list[Example]]
    #: (session, S, S+1) → ids of S's companies with the outcome (lapsed / exhibited).
    outcome: Callable[[Session, Show, Show], set[int]]
    #: Baseline rankings: name → score of an example (higher = more likely the outcome).
    baselines: Mapping[str, Callable[[Example], float]]


@dataclass
class RankingResult:
    name: str
    auc: float | None
    top: dict[int, int]


@dataclass
class Backtest:
    kind: str
    show_code: str
    next_code: str
    next_opened: bool
    companies: int
    outcomes: int  #: companies of S with the outcome at S+1
    rankings: list[RankingResult]
    #: Why there is no learned ranking (not enough history), or None.
    learned_note: str | None = None
    trained_on: list[str] = field(default_factory=list)

    @property
    def base_rate(self) -> float:
        return self.outcomes / self.companies if self.companies else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["base_rate"] = round(self.base_rate, 4)
        return data


def _matrix(examples: Sequence[Example], question: Question) -> list[list[float]]:
    return [[min(e.signals[s], question.caps[s]) for s in question.signals] for e in examples]


def fit(question: Question, examples: Sequence[Example], labels: Sequence[int]) -> LinearScore:
    """Fit a logistic regression on the capped signals; raise ValidationError when one
    outcome has fewer than MIN_CLASS examples."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    positives = sum(labels)
    if positives < MIN_CLASS or len(labels) - positives < MIN_CLASS:
        raise ValidationError(
            "history",
            f"Too few examples of each outcome to learn from ({positives} of {len(labels)}).",
        )
    x = _matrix(examples, question)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(max_iter=2000).fit(scaler.transform(x), list(labels))
    slopes, centers = {}, {}
    for k, signal in enumerate(question.signals):
        scale = float(scaler.scale_[k]) or 1.0
        slopes[signal] = round(float(model.coef_[0][k]) / scale, 6)
        centers[signal] = round(float(scaler.mean_[k]), 6)
    return LinearScore(
        slopes=slopes,
        caps=question.caps,
        centers=centers,
        intercept=round(float(model.intercept_[0]), 6),
        kind="learned",
    )


def _auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    if not labels or len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(list(labels), list(scores))), 4)


def _top(
    ids: Sequence[int], scores: Sequence[float], hits: set[int], ks: Sequence[int]
) -> dict[int, int]:
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))
    return {k: sum(1 for i in order[:k] if ids[i] in hits) for k in ks}


def _years(session: Session, today: date | None = None) -> list[tuple[Show, Show]]:
    """Example years: (S, S+1) with S+1 opened."""
    shows = facts.editions(session)
    today = today or date.today()
    return [(a, b) for a, b in zip(shows, shows[1:], strict=False) if b.starts_on <= today]


def _training(
    session: Session, question: Question, years: Sequence[tuple[Show, Show]], seed: int = 7
) -> tuple[list[Example], list[int]]:
    examples: list[Example] = []
    labels: list[int] = []
    rng = random.Random(seed)  # noqa: S311  (a reproducible sample, not secrecy)
    for show, nxt in years:
        found = question.examples(session, show)
        if len(found) > MAX_PER_YEAR:
            found = rng.sample(found, MAX_PER_YEAR)
        hits = question.outcome(session, show, nxt)
        examples += found
        labels += [1 if e.company_id in hits else 0 for e in found]
    return examples, labels


def backtest(
    session: Session,
    question: Question,
    show: Show,
    seed: int = 42,
    today: date | None = None,
    ks: Sequence[int] = KS,
) -> Backtest:
    """Rank S's companies with only what was known at S, beside the learned model (fitted on
    earlier example years) and the baselines; score them against S+1. Raise
    ValidationError when S has no next edition."""
    _prev, nxt = facts.neighbours(session, show)
    if nxt is None:
        raise ValidationError("show", f"{show.code} has no next edition to test against.")
    examples = question.examples(session, show)
    hits = question.outcome(session, show, nxt)
    labels = [1 if e.company_id in hits else 0 for e in examples]
    ids = [e.company_id for e in examples]
    hand = question.hand(session)
    rankings: list[tuple[str, list[float]]] = [("hand", [hand.score(e.signals) for e in examples])]
    earlier = [(a, b) for a, b in _years(session, today) if b.starts_on <= show.starts_on]
    note = None
    trained_on = [a.code for a, _b in earlier]
    try:
        if not earlier:
            raise ValidationError("history", "No earlier edition to learn from.")
        learned = fit(question, *_training(session, question, earlier))
        rankings.append(("learned", [learned.score(e.signals) for e in examples]))
    except ValidationError as exc:
        note = exc.message
    for name, baseline in question.baselines.items():
        rankings.append((name, [baseline(e) for e in examples]))
    shuffled = list(range(len(ids)))
    random.Random(seed).shuffle(shuffled)  # noqa: S311  (a reproducible baseline)
    rankings.append(("random", [float(-position) for position in shuffled]))
    return Backtest(
        kind=question.kind,
        show_code=show.code,
        next_code=nxt.code,
        next_opened=nxt.starts_on <= (today or date.today()),
        companies=len(examples),
        outcomes=sum(labels),
        rankings=[
            RankingResult(name, _auc(labels, scores), _top(ids, scores, hits, ks))
            for name, scores in rankings
        ],
        learned_note=note,
        trained_on=trained_on,
    )


def learn(
    session: Session, question: Question, user: Any = None, today: date | None = None
) -> LearnedModel:
    """Backtest every example year that has earlier ones, adopt the model only if its mean
    AUC beats the hand weights' and every baseline's, and store the verdict (the caller
    commits). The stored model is refitted on all example years."""
    years = _years(session, today)
    folds = [
        backtest(session, question, show, today=today)
        for k, (show, _nxt) in enumerate(years)
        if k >= 1
    ]
    usable = [
        f for f in folds if any(r.name == "learned" and r.auc is not None for r in f.rankings)
    ]
    means: dict[str, float] = {}
    for name in {r.name for f in usable for r in f.rankings}:
        values = [r.auc for f in usable for r in f.rankings if r.name == name and r.auc is not None]
        if values:
            means[name] = round(sum(values) / len(values), 4)
    learned_mean = means.get("learned")
    others = {k: v for k, v in means.items() if k != "learned"}
    adopted = learned_mean is not None and all(learned_mean > v for v in others.values())
    score: LinearScore | None = None
    verdict: dict[str, Any] = {"years": len(usable), "learned": learned_mean}
    if learned_mean is None:
        verdict["code"] = "not_enough"
    elif not adopted:
        best = max(others, key=lambda k: others[k])
        verdict.update(code="refused", best=best, best_auc=others[best])
    else:
        verdict.update(code="adopted", hand=others.get("hand"))
    reason = describe_verdict(verdict)
    if adopted:
        score = fit(question, *_training(session, question, years))
    record = LearnedModel(
        kind=question.kind,
        adopted=adopted,
        score=score.as_dict() if score else {},
        evaluation={
            "folds": [f.as_dict() for f in folds],
            "mean_auc": means,
            "verdict": verdict,
            "reason": reason,
        },
        trained_on=[a.code for a, _b in years],
        created_by_id=getattr(user, "id", None),
        created_at=utcnow(),
    )
    session.add(record)
    session.flush()
    log.info("Learned %s weights: %s", question.kind, reason)
    return record


def latest(session: Session, kind: str) -> LearnedModel | None:
    """The latest learning verdict of a kind."""
    return session.scalar(
        select(LearnedModel)
        .where(LearnedModel.kind == kind)
        .order_by(LearnedModel.created_at.desc(), LearnedModel.id.desc())
        .limit(1)
    )


def adopted(session: Session, kind: str) -> LearnedModel | None:
    """The model in use for a kind: the latest verdict, when it adopted its model."""
    record = latest(session, kind)
    return record if record is not None and record.adopted else None


#: How a verdict names the rankings it compared.
RANKING_NAMES = {
    "hand": _l("the hand weights"),
    "editions": _l("editions attended"),
    "visitors": _l("visitor count"),
    "random": _l("random order"),
}


def describe_verdict(verdict: Mapping[str, Any]) -> str:
    """Say in the reader's language what a learning decided and why."""
    code = verdict.get("code")
    if code == "adopted":
        return _(
            "The learned model's mean AUC %(learned).3f beats the hand weights "
            "(%(hand).3f) and every baseline over %(years)s backtest years: it is used.",
            learned=verdict["learned"],
            hand=verdict.get("hand") or 0.0,
            years=verdict["years"],
        )
    if code == "refused":
        return _(
            "The learned model's mean AUC %(learned).3f does not beat %(best)s "
            "(%(best_auc).3f) over %(years)s backtest years: the hand weights stay.",
            learned=verdict["learned"],
            best=RANKING_NAMES.get(verdict["best"], verdict["best"]),
            best_auc=verdict["best_auc"],
            years=verdict["years"],
        )
    return _("Not enough history to test a learned model: the hand weights stay.")


def describe(record: LearnedModel | None) -> str:
    """The verdict in use, with its date, for the pages."""
    if record is None:
        return _("No model was learned yet: the hand weights are used.")
    text = describe_verdict(record.evaluation.get("verdict", {}))
    return f"{text} ({record.created_at:%Y-%m-%d})"
