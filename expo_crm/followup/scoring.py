"""Linear scores over capped signals, the same in Python and in SQL.

Both rankings of follow-up (prospects: who will exhibit; rebooking risk: who will not come
back) score a company as

    score = intercept + Σ slope[s] × (min(value[s], cap[s]) − center[s])

over named signals. The organizer's hand weights are slopes with no center and no intercept
(a signal's points are ``weight × min(value, cap)``); a model learned from the show's own
history (:mod:`expo_crm.followup.learning`) gives slopes, centers (the training mean) and an
intercept, so that ``slope × (value − center)`` is how much a signal moves the company away
from an average one. Each term is a reason shown beside the score, and the whole sum is an
SQL expression, so a list is ordered and paged by the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, literal


def capped(value: Any, cap: int) -> Any:
    """SQL: ``min(value, cap)`` (SQLite has no LEAST)."""
    return case((value > cap, cap), else_=value)


@dataclass(frozen=True)
class LinearScore:
    """A score over signals (see the module docstring)."""

    slopes: Mapping[str, float]
    caps: Mapping[str, int]
    centers: Mapping[str, float] = field(default_factory=dict)
    intercept: float = 0.0
    #: ``hand`` (the organizer's weights) or ``learned`` (fitted on the show's history).
    kind: str = "hand"

    def term(self, signal: str, value: float) -> float:
        """The points one signal adds (negative: it lowers the score)."""
        x = min(value, self.caps[signal])
        return self.slopes.get(signal, 0.0) * (x - self.centers.get(signal, 0.0))

    def score(self, values: Mapping[str, float]) -> float:
        return round(self.intercept + sum(self.term(s, values[s]) for s in self.slopes), 4)

    def sql(self, columns: Any) -> Any:
        """SQL expression of the score over the signal columns."""
        expression: Any = literal(float(self.intercept))
        for signal, slope in self.slopes.items():
            if not slope:
                continue
            center = self.centers.get(signal, 0.0)
            expression = expression + literal(float(slope)) * (
                capped(columns[signal], self.caps[signal]) - literal(float(center))
            )
        return expression

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "slopes": dict(self.slopes),
            "centers": dict(self.centers),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], caps: Mapping[str, int]) -> LinearScore:
        return cls(
            slopes={k: float(v) for k, v in data["slopes"].items() if k in caps},
            caps=caps,
            centers={k: float(v) for k, v in data.get("centers", {}).items() if k in caps},
            intercept=float(data.get("intercept", 0.0)),
            kind=str(data.get("kind", "learned")),
        )
