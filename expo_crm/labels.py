"""Translated labels for enum values shown to people (states, categories, kinds).

Each domain registers its labels next to its enums::

    register_labels({InvoiceStatus.OPEN: _l("Open"), InvoiceStatus.PAID: _l("Paid")})

and templates write ``{{ invoice.status | label }}``; forms build choices with
``choices(InvoiceStatus)``. An enum value without a registered label falls back to a
readable form of its value, so nothing shows as ``raw_space``.

Codes that are plain strings rather than enum members (the kinds of a list in a URL, the
rule behind a quote line) are registered under a family name::

    register_codes("exhibitor_list", {"new": _l("New exhibitors")})

and written ``{{ kind | label("exhibitor_list") }}``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

#: Keyed by (enum class, value): StrEnum members of different enums compare equal
#: when their values do (``"open"``), so the member alone is not a safe key.
_LABELS: dict[tuple[type[enum.Enum], Any], Any] = {}
#: Labels of plain-string codes, keyed by (family, code).
_CODES: dict[tuple[str, str], Any] = {}


def register_labels(labels: Mapping[Any, Any]) -> None:
    """Register the (lazy, translatable) labels of some enum members."""
    for member, text in labels.items():
        _LABELS[(type(member), member.value)] = text


def register_codes(family: str, labels: Mapping[str, Any]) -> None:
    """Register the (lazy, translatable) labels of a family of plain-string codes."""
    for code, text in labels.items():
        _CODES[(family, code)] = text


def label(value: Any, family: str | None = None) -> str:
    """Return the translated label of an enum member, or of a code of ``family`` (else its
    readable value); '' for None."""
    if value is None:
        return ""
    if family is not None:
        text = _CODES.get((family, str(getattr(value, "value", value))))
        if text is not None:
            return str(text)
    if isinstance(value, enum.Enum):
        text = _LABELS.get((type(value), value.value))
        if text is not None:
            return str(text)
        value = value.value
    return str(value).replace("_", " ").capitalize()


def choices(
    enum_class: type[enum.Enum], members: Iterable[enum.Enum] | None = None
) -> list[tuple[str, str]]:
    """WTForms choices for an enum: (value, translated label)."""
    return [(str(m.value), label(m)) for m in (members or enum_class)]
