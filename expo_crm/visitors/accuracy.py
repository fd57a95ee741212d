"""The card reader's running accuracy: how often visitors corrected what it read, per field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.directory.normalize import domain_of
from expo_crm.shows.models import Show
from expo_crm.visitors.contacts import CARD_FIELDS
from expo_crm.visitors.models import CaptureSource, CardCapture


def _comparable(field_name: str, value: Any) -> Any:
    if field_name == "emails":
        return sorted({str(v).strip().lower() for v in value or []})
    if field_name == "phones":
        return sorted({"".join(c for c in str(v) if c.isdigit())[-9:] for v in value or []})
    if field_name == "website":
        return domain_of(value) if value else None
    return " ".join(str(value).split()).casefold() if value else None


@dataclass
class FieldAccuracy:
    field: str
    confirmed: int  #: confirmed captures
    corrected: int  #: of those, how many the visitor changed
    missed: int  #: the machine read nothing, the visitor filled it in
    wrong: int  #: the machine read something, the visitor changed or removed it

    @property
    def correction_rate(self) -> float:
        return self.corrected / self.confirmed if self.confirmed else 0.0


def capture_accuracy(session: Session, show: Show) -> list[FieldAccuracy]:
    """Return, per card field, how often kiosk visitors had to correct the machine."""
    rows = session.execute(
        select(CardCapture.parsed, CardCapture.confirmed).where(
            CardCapture.show_id == show.id,
            CardCapture.source == CaptureSource.KIOSK,
            CardCapture.confirmed.is_not(None),
        )
    ).all()
    stats = {f: FieldAccuracy(f, 0, 0, 0, 0) for f in CARD_FIELDS}
    for parsed, confirmed in rows:
        if confirmed is None:  # JSON null on some backends
            continue
        for name, acc in stats.items():
            machine = _comparable(name, (parsed or {}).get(name))
            visitor = _comparable(name, confirmed.get(name))
            acc.confirmed += 1
            if machine != visitor:
                acc.corrected += 1
                if machine in (None, []):
                    acc.missed += 1
                else:
                    acc.wrong += 1
    return list(stats.values())


def capture_counts(session: Session, show: Show) -> dict[str, Any]:
    """Return how many cards were captured at an edition, confirmed, and the median read time."""
    captures = session.scalar(
        select(func.count(CardCapture.id)).where(CardCapture.show_id == show.id)
    )
    confirmed = session.scalar(
        select(func.count(CardCapture.id)).where(
            CardCapture.show_id == show.id, CardCapture.confirmed_at.is_not(None)
        )
    )
    return {"captures": captures or 0, "confirmed": confirmed or 0}
