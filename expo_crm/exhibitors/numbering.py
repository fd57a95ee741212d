"""Document numbers without gaps or duplicates, per edition and kind.

``next_number`` locks the edition's counter row (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite the single writer lock serializes) and increments it in the caller's transaction: if
the transaction rolls back, so does the number, so committed numbers never leave a gap.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.exhibitors.models import DocumentCounter
from expo_crm.shows.models import Show

#: Printed prefix per document kind: ``EXPO2026-000123`` for invoices.
PREFIXES = {"invoice": "", "quote": "Q-", "contract": "C-"}


def next_sequence(session: Session, show: Show, kind: str) -> int:
    """Take the next number of ``kind`` for ``show`` (1, 2, 3…) under a row lock."""
    query = (
        select(DocumentCounter)
        .where(DocumentCounter.show_id == show.id, DocumentCounter.kind == kind)
        .with_for_update()
    )
    counter = session.scalar(query)
    if counter is None:
        try:
            with session.begin_nested():
                session.add(DocumentCounter(show_id=show.id, kind=kind, last=0))
        except IntegrityError:
            pass  # another transaction created it first; lock theirs below
        counter = session.scalar(query.execution_options(populate_existing=True))
        assert counter is not None
    counter.last += 1
    session.flush()
    return counter.last


def format_number(show: Show, kind: str, sequence: int) -> str:
    return f"{PREFIXES[kind]}{show.code}-{sequence:06d}"


def next_number(session: Session, show: Show, kind: str) -> tuple[int, str]:
    """Return (sequence, printed number) for a new document of ``kind``."""
    sequence = next_sequence(session, show, kind)
    return sequence, format_number(show, kind, sequence)
