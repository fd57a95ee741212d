"""Use cases for show editions."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from expo_crm.db import utcnow
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)


#: Editions in use: the archived ones are left out of lists, pickers and figures.
LIVE = Show.archived_at.is_(None)


def list_shows(session: Session, include_archived: bool = False) -> list[Show]:
    """Return every edition in use (and the archived ones if asked), newest first."""
    query = select(Show).order_by(Show.starts_on.desc())
    return list(session.scalars(query if include_archived else query.where(LIVE)))


def get_show(session: Session, code_or_id: str | int) -> Show:
    """Return the edition with this code or id; raise NotFound."""
    if isinstance(code_or_id, int) or str(code_or_id).isdigit():
        show = session.get(Show, int(code_or_id))
    else:
        show = session.scalar(select(Show).where(Show.code == str(code_or_id).upper()))
    if show is None:
        raise NotFound(_("No show edition %(code)s.", code=code_or_id))
    return show


def current_show(session: Session, today: date | None = None) -> Show | None:
    """Return the edition being sold or held now: the first one that has not ended yet,
    else the most recent one."""
    today = today or date.today()
    upcoming = session.scalar(
        select(Show).where(LIVE, Show.ends_on >= today).order_by(Show.starts_on).limit(1)
    )
    return upcoming or session.scalar(
        select(Show).where(LIVE).order_by(Show.starts_on.desc()).limit(1)
    )


def previous_show(session: Session, show: Show) -> Show | None:
    """Return the edition just before ``show``."""
    return session.scalar(
        select(Show)
        .where(LIVE, Show.starts_on < show.starts_on)
        .order_by(Show.starts_on.desc())
        .limit(1)
    )


def next_show(session: Session, show: Show) -> Show | None:
    """Return the edition just after ``show``."""
    return session.scalar(
        select(Show).where(LIVE, Show.starts_on > show.starts_on).order_by(Show.starts_on).limit(1)
    )


def create_show(session: Session, **fields: object) -> Show:
    """Create an edition; raise ValidationError on a taken code or reversed dates."""
    code = str(fields.pop("code")).strip().upper()
    if session.scalar(select(Show.id).where(Show.code == code)):
        raise ValidationError("code", _("The show code %(code)s is already used.", code=code))
    starts_on, ends_on = fields["starts_on"], fields["ends_on"]
    assert isinstance(starts_on, date)
    assert isinstance(ends_on, date)
    if ends_on < starts_on:
        raise ValidationError("ends_on", _("A show cannot end before it starts."))
    show = Show(code=code, **fields)
    session.add(show)
    session.flush()
    log.info("Show %s created", code)
    return show


# -- editions created by mistake -------------------------------------------------------------

#: Tables an edition may have rows in and still be deleted with them: its set-up, not data.
SETUP_TABLES = {"price_lists", "document_counters"}
#: What the rows of the tables that refer to an edition are called, in messages.
TABLE_LABELS = {
    "booths": _l("booths held or sold"),
    "quotes": _l("quotes"),
    "contracts": _l("contracts"),
    "invoices": _l("invoices"),
    "registrations": _l("registrations"),
    "badges": _l("badges"),
    "checkins": _l("check-ins"),
    "leads": _l("leads"),
    "participations": _l("listed exhibitors"),
    "history_imports": _l("imported lists"),
}


def recorded_data(session: Session, show: Show) -> dict[str, int]:
    """Count the rows each table holds for the edition, setup aside ({table: rows}, only the
    tables with rows). Booths count only when held or sold."""
    from expo_crm.extensions import db

    found: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if table.name in SETUP_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "shows":
                continue
            query = select(func.count()).select_from(table).where(fk.parent == show.id)
            if table.name == "booths":
                query = query.where(table.c.company_id.is_not(None))
            rows = session.scalar(query) or 0
            if rows:
                found[table.name] = found.get(table.name, 0) + int(rows)
    return found


def delete_show(session: Session, show: Show, user: Any = None) -> None:
    """Delete an edition that holds no data (its price list, counters and unsold booths go
    with it); raise Conflict naming what it holds otherwise (archive it instead)."""
    from expo_crm.extensions import db

    held = recorded_data(session, show)
    if held:
        raise Conflict(
            _(
                "%(code)s holds data (%(what)s): it cannot be deleted. Archive it instead.",
                code=show.code,
                what=", ".join(f"{TABLE_LABELS.get(t, t)} {n}" for t, n in sorted(held.items())),
            )
        )
    for table in reversed(db.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table.name == "shows":
                session.execute(delete(table).where(fk.parent == show.id))
    session.delete(show)
    session.flush()
    log.info("Show %s deleted by %s", show.code, getattr(user, "email", "the command line"))


def archive_show(session: Session, show: Show, user: Any = None) -> None:
    """Archive an edition: it keeps its data but leaves the lists, pickers and KPIs."""
    if show.archived_at is not None:
        raise Conflict(_("%(code)s is archived already.", code=show.code))
    show.archived_at = utcnow()
    session.flush()
    log.info("Show %s archived by %s", show.code, getattr(user, "email", "the command line"))


def restore_show(session: Session, show: Show, user: Any = None) -> None:
    """Bring an archived edition back."""
    if show.archived_at is None:
        raise Conflict(_("%(code)s is not archived.", code=show.code))
    show.archived_at = None
    session.flush()
    log.info("Show %s restored by %s", show.code, getattr(user, "email", "the command line"))
