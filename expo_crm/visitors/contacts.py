"""A visitor's contact details as typed or read from a card, validated and normalized."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from expo_crm.directory.normalize import normalize_email, normalize_phone, strip_accents
from expo_crm.errors import ValidationError

#: The contact fields a card carries, in the order the kiosk shows them.
CARD_FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")


@dataclass
class Contact:
    """A visitor's contact details, cleaned: emails normalized, phones in E.164."""

    name: str
    title: str | None = None
    company: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    website: str | None = None
    address: str | None = None
    country: str | None = None

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in CARD_FIELDS}


def _text(value: Any, limit: int, field_name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field_name, _("This field must be text."))
    value = " ".join(value.split())
    if len(value) > limit:
        raise ValidationError(field_name, _("Please keep this under %(n)s characters.", n=limit))
    return value or None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.replace(";", ",").split(",")) if v]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if v and str(v).strip()]
    raise ValidationError("emails", _("Send emails and phones as lists of text."))


def clean_contact(fields: Mapping[str, Any], region: str | None) -> Contact:
    """Validate and normalize contact fields (``email``/``emails``, ``phone``/``phones``).

    Raise ValidationError on a missing name, a malformed email or phone, or over-long text.
    """
    name = _text(fields.get("name") or fields.get("full_name"), 200, "name")
    if not name:
        raise ValidationError("name", _("Please enter your name."))
    emails: list[str] = []
    for raw in _as_list(fields.get("email")) + _as_list(fields.get("emails")):
        try:
            email = normalize_email(raw)
        except ValidationError as exc:
            raise ValidationError(
                "emails", _("%(value)s is not a valid email address.", value=raw)
            ) from exc
        if email not in emails:
            emails.append(email)
    phones: list[str] = []
    for raw in _as_list(fields.get("phone")) + _as_list(fields.get("phones")):
        try:
            phone = normalize_phone(raw, region)
        except ValidationError as exc:
            raise ValidationError(
                "phones", _("%(value)s is not a phone number.", value=raw)
            ) from exc
        if phone not in phones:
            phones.append(phone)
    country = fields.get("country")
    return Contact(
        name=name,
        title=_text(fields.get("title"), 200, "title"),
        company=_text(fields.get("company"), 300, "company"),
        emails=emails[:5],
        phones=phones[:5],
        website=_text(fields.get("website"), 300, "website"),
        address=_text(fields.get("address"), 500, "address"),
        country=country.upper() if isinstance(country, str) and len(country) == 2 else None,
    )


def normalize_name(name: str) -> str:
    """Return the comparison key of a person's name: case, accents and spacing ignored."""
    text_ = unicodedata.normalize("NFKC", name)
    return " ".join(strip_accents(text_).casefold().split())
