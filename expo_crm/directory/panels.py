"""Sections other domains add to the company and person pages.

The directory owns those pages but not the quotes, contracts, registrations or tasks
shown on them; each domain registers a function that returns its section (or None), so
the directory never reaches into another domain's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


@dataclass
class Panel:
    title: str
    template: str  #: a partial under templates/, rendered with ``context``
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


PanelFactory = Callable[[Session, Any], Panel | None]

COMPANY_PANELS: list[PanelFactory] = []
PERSON_PANELS: list[PanelFactory] = []


def company_panel(factory: PanelFactory) -> PanelFactory:
    """Register a section for the company page."""
    COMPANY_PANELS.append(factory)
    return factory


def person_panel(factory: PanelFactory) -> PanelFactory:
    """Register a section for the person page."""
    PERSON_PANELS.append(factory)
    return factory


def render_panels(factories: list[PanelFactory], session: Session, obj: Any) -> list[Panel]:
    panels = [p for f in factories if (p := f(session, obj)) is not None]
    return sorted(panels, key=lambda p: p.order)
