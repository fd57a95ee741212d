"""Staff roles and the declaration every route makes of the roles it admits."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from expo_crm.labels import register_labels

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.StrEnum):
    ADMIN = "admin"
    SALES = "sales"
    FINANCE = "finance"
    ONSITE = "onsite"  #: on-site desk and gate staff
    KIOSK = "kiosk"  #: a self-registration kiosk device
    SCANNER = "scanner"  #: an exhibitor's lead scanner, tied to one company

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.SALES: _l("Booth sales"),
    Role.FINANCE: _l("Finance"),
    Role.ONSITE: _l("On-site staff"),
    Role.KIOSK: _l("Kiosk device"),
    Role.SCANNER: _l("Exhibitor scanner"),
}

register_labels(ROLE_LABELS)

#: Marker for routes anyone may open, signed in or not.
PUBLIC = frozenset({"*public*"})
#: Back-office staff who work with the organizer's data.
STAFF = (Role.SALES, Role.FINANCE, Role.ONSITE)


def roles(*allowed: Role) -> Callable[[F], F]:
    """Declare which roles may call a view; administrators are always admitted.

    The app refuses any endpoint that makes no such declaration (see ``enforce_roles``).
    """
    admitted = frozenset(allowed) | {Role.ADMIN}

    def decorate(view: F) -> F:
        view.allowed_roles = admitted  # type: ignore[attr-defined]
        return view

    return decorate


def public(view: F) -> F:
    """Declare a view open to anyone (login page, pre-registration, health check)."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def allowed_roles(view: Callable[..., Any]) -> frozenset[Any] | None:
    return getattr(view, "allowed_roles", None)
