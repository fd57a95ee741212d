"""What the history page shows: each edition's exhibitors by where they come from, and the
lists imported lately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from expo_crm.history.models import HistoryImport
from expo_crm.history.participations import participation_rows
from expo_crm.shows.models import Show


@dataclass
class EditionSources:
    code: str
    name: str
    starts_on: date
    listed: int  #: exhibitors known from an imported list only
    sold: int  #: exhibitors with a contract in Expo CRM


def editions(session: Session) -> list[EditionSources]:
    """Return every edition, oldest first, with its exhibitors counted by source."""
    rows = participation_rows()
    counts = (
        select(
            rows.c.show_id,
            func.sum(case((rows.c.contracts > 0, 0), else_=1)).label("listed"),
            func.sum(case((rows.c.contracts > 0, 1), else_=0)).label("sold"),
        )
        .group_by(rows.c.show_id)
        .subquery("counts")
    )
    query = (
        select(Show.code, Show.name, Show.starts_on, counts.c.listed, counts.c.sold)
        .outerjoin(counts, counts.c.show_id == Show.id)
        .order_by(Show.starts_on)
    )
    return [
        EditionSources(code, name, starts_on, int(listed or 0), int(sold or 0))
        for code, name, starts_on, listed, sold in session.execute(query)
    ]


def recent_imports(session: Session, limit: int = 20) -> list[HistoryImport]:
    """Return the latest imports, newest first."""
    return list(
        session.scalars(
            select(HistoryImport)
            .order_by(HistoryImport.created_at.desc(), HistoryImport.id.desc())
            .limit(limit)
        )
    )
