"""Consents: the wording shown to visitors and the record of each answer, in its language."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from expo_crm.errors import ValidationError
from expo_crm.visitors.models import ConsentKind, ConsentRecord, Registration

#: The consent texts shown to visitors; the text shown, in the language shown, is recorded.
CONSENT_WORDING = {
    ConsentKind.MARKETING: _l(
        "I agree that the organizer may send me news and invitations about this show "
        "and its future editions."
    ),
    ConsentKind.SHARE_WITH_EXHIBITORS: _l(
        "I agree that exhibitors who scan my badge at their booth receive my name, "
        "company, title, email and phone."
    ),
}


def consent_wording(kind: ConsentKind, language: str) -> str:
    """Return the consent text exactly as shown in ``language``."""
    with force_locale(language):
        return str(CONSENT_WORDING[kind])


def consent_choices(consents: Mapping[str, bool] | None) -> dict[ConsentKind, bool]:
    """Read the visitor's answers (``marketing``, ``share``); raise ValidationError on others."""
    aliases = {
        "marketing": ConsentKind.MARKETING,
        "share": ConsentKind.SHARE_WITH_EXHIBITORS,
        "share_with_exhibitors": ConsentKind.SHARE_WITH_EXHIBITORS,
    }
    result = {}
    for key, value in (consents or {}).items():
        if key not in aliases:
            raise ValidationError("consents", _("Unknown consent: %(key)s.", key=key))
        result[aliases[key]] = bool(value)
    return result


def record_consents(
    session: Session,
    registration: Registration,
    kinds: dict[ConsentKind, bool],
    language: str,
) -> None:
    """Record each consent given or refused with its wording in ``language``, and keep the
    registration's latest state of it."""
    for kind, granted in kinds.items():
        session.add(
            ConsentRecord(
                person_id=registration.person_id,
                registration_id=registration.id,
                kind=kind,
                granted=granted,
                wording=consent_wording(kind, language),
                language=language,
            )
        )
        if kind is ConsentKind.MARKETING:
            registration.consent_marketing = granted
        else:
            registration.consent_share = granted
