"""An edition's check-in rules (show days and time zone, admission days per category, the
repeat window, no pass-back), as the gate reads them: cached for a few seconds per
process, and forgotten when the organizer changes them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from expo_crm.badges.models import BadgeLayout, GateSettings
from expo_crm.errors import NotFound, ValidationError
from expo_crm.shows.models import Show


def gate_settings(session: Session, show_id: int) -> GateSettings:
    return session.get(GateSettings, show_id) or GateSettings(
        show_id=show_id, deny_reentry=False, dedupe_seconds=120
    )


def save_gate_settings(
    session: Session, show_id: int, *, deny_reentry: bool, dedupe_seconds: int
) -> GateSettings:
    """Set the check-in rules of an edition; raise ValidationError on a bad window."""
    if not 5 <= dedupe_seconds <= 3600:
        raise ValidationError(
            "dedupe_seconds", _("The repeat window must be between 5 and 3600 seconds.")
        )
    settings = session.get(GateSettings, show_id)
    if settings is None:
        settings = GateSettings(show_id=show_id)
        session.add(settings)
    settings.deny_reentry = deny_reentry
    settings.dedupe_seconds = dedupe_seconds
    session.flush()
    forget_show_rules(show_id)
    return settings


@dataclass
class ShowRules:
    tz: ZoneInfo
    days: frozenset[date]
    deny_reentry: bool
    dedupe_seconds: int
    valid_days: dict[str, frozenset[date]] = field(default_factory=dict)
    loaded_at: float = 0.0


_RULES: dict[int, ShowRules] = {}


_RULES_LOCK = threading.Lock()


RULES_TTL_SECONDS = 30.0


def forget_show_rules(show_id: int | None = None) -> None:
    """Drop cached check-in rules (after the organizer changes them; tests)."""
    with _RULES_LOCK:
        if show_id is None:
            _RULES.clear()
        else:
            _RULES.pop(show_id, None)


def show_rules(session: Session, show_id: int) -> ShowRules:
    """Return an edition's check-in rules, cached for a few seconds per process."""
    rules = _RULES.get(show_id)
    if rules is not None and time.monotonic() - rules.loaded_at < RULES_TTL_SECONDS:
        return rules
    show = session.get(Show, show_id)
    if show is None:
        raise NotFound(_("No show edition %(id)s.", id=show_id))
    settings = gate_settings(session, show_id)
    valid = {}
    for layout in session.scalars(select(BadgeLayout).where(BadgeLayout.show_id == show_id)):
        if layout.valid_days:
            valid[layout.category.value] = frozenset(
                date.fromisoformat(d) for d in layout.valid_days
            )
    rules = ShowRules(
        tz=ZoneInfo(show.timezone or "UTC"),
        days=frozenset(show.days),
        deny_reentry=settings.deny_reentry,
        dedupe_seconds=settings.dedupe_seconds,
        valid_days=valid,
        loaded_at=time.monotonic(),
    )
    with _RULES_LOCK:
        _RULES[show_id] = rules
    return rules
