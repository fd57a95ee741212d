"""Use cases for show editions."""

from __future__ import annotations

import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.errors import NotFound, ValidationError
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)


def list_shows(session: Session) -> list[Show]:
    """Return every edition, newest first."""
    return list(session.scalars(select(Show).order_by(Show.starts_on.desc())))


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
        select(Show).where(Show.ends_on >= today).order_by(Show.starts_on).limit(1)
    )
    return upcoming or session.scalar(select(Show).order_by(Show.starts_on.desc()).limit(1))


def previous_show(session: Session, show: Show) -> Show | None:
    """Return the edition just before ``show``."""
    return session.scalar(
        select(Show).where(Show.starts_on < show.starts_on).order_by(Show.starts_on.desc()).limit(1)
    )


def next_show(session: Session, show: Show) -> Show | None:
    """Return the edition just after ``show``."""
    return session.scalar(
        select(Show).where(Show.starts_on > show.starts_on).order_by(Show.starts_on).limit(1)
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
