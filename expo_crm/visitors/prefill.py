"""What the kiosk fills its form with for the visitor in front of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from expo_crm.directory.normalize import normalize_email, normalize_phone
from expo_crm.errors import NotFound, ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.contacts import CARD_FIELDS
from expo_crm.visitors.matching import find_by_code, live_person, match_person


def kiosk_prefill(session: Session, show: Show, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """Return the form prefill for a card just read, recognising a returning visitor.

    Only the visitor's own record, found by an email or phone printed on their card, fills
    what the card lacked; nothing else about them (history, answers) is returned.
    """
    fields = {f: parsed.get(f) for f in CARD_FIELDS}
    emails, phones = [], []
    for raw in parsed.get("emails") or []:
        try:
            emails.append(normalize_email(raw))
        except ValidationError:
            continue
    for raw in parsed.get("phones") or []:
        try:
            phones.append(normalize_phone(raw, show.phone_region))
        except ValidationError:
            continue
    person = match_person(session, emails=emails, phones=phones)
    if person is None:
        return {"returning": False, "fields": fields}
    if not fields["name"]:
        fields["name"] = person.full_name
    if not fields["title"]:
        fields["title"] = person.title
    if not fields["company"] and person.company:
        fields["company"] = person.company.name
    return {"returning": True, "fields": fields}


def code_prefill(session: Session, show: Show, code: str) -> dict[str, Any]:
    """Return the prefill of a pre-registered visitor who presents their confirmation code.

    Raise NotFound for an unknown code.
    """
    registration = find_by_code(session, show, code)
    if registration is None:
        raise NotFound(_("This confirmation code is not known. Please check it or register."))
    person = live_person(session, registration.person)
    assert person is not None
    return {
        "returning": True,
        "confirmation_code": registration.confirmation_code,
        "category": registration.category.value,
        "answers": registration.answers or {},
        "consents": {
            "marketing": registration.consent_marketing,
            "share": registration.consent_share,
        },
        "fields": {
            "name": person.full_name,
            "title": person.title,
            "company": person.company.name if person.company else None,
            "emails": [person.email] if person.email else [],
            "phones": [person.phone] if person.phone else [],
            "website": person.company.website if person.company else None,
            "address": None,
        },
    }
