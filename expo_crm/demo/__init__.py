"""A realistic demo database: a show series with past editions and the current one.

The demo lives here, beside the domains rather than inside them, so that no domain imports
another only to seed it. :mod:`.base` builds what every part stands on (editions, staff,
companies with contacts, the :class:`~expo_crm.demo.base.World` they share); each seeder then
adds one part, in the order of :data:`SEEDERS`: booth sales (:mod:`.exhibitors`), the
earlier editions' imported exhibitor lists (:mod:`.history`),
registrations (:mod:`.visitors`), badges, check-ins and leads (:mod:`.badges`), follow-up
(:mod:`.followup`), sent e-mail and answered surveys (:mod:`.feedback`). A new part is
a module here with a ``seed(session, world)`` function, added to :data:`SEEDERS` after the
parts it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from expo_crm.demo import badges, exhibitors, feedback, followup, history, visitors
from expo_crm.demo.base import DEMO_PASSWORD, DEMO_USERS, World, build_world, has_data

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SEEDERS", "World", "build", "has_data"]

#: The seeders, called in this order after the base is built (each reads what the ones
#: before it made).
SEEDERS: tuple[Callable[[Session, World], None], ...] = (
    exhibitors.seed,
    history.seed,
    visitors.seed,
    badges.seed,
    followup.seed,
    feedback.seed,
)


def build(
    session: Session,
    *,
    scale: int = 1,
    seed: int = 2026,
    progress: Callable[[str], Any] = print,
    today: date | None = None,
) -> dict[str, int]:
    """Fill an empty database with the demo; return what was made (name → count). The
    caller commits."""
    world = build_world(
        session, scale=scale, seed=seed, progress=progress, today=today or date.today()
    )
    for seeder in SEEDERS:
        seeder(session, world)
        session.flush()
    return world.summary
