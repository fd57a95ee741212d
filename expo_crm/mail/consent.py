"""Who may receive marketing mail, and the one-click unsubscribe.

Marketing mail goes only to a person whose latest marketing consent record grants it, who
has not opted out (``followup.optouts``: the person, their company, or a withdrawn
consent), whose address has not bounced, and who has not had this campaign already.
Unsubscribing records a withdrawn marketing consent, so the opt-out rule of
``followup.optouts`` (used by every export and outreach list) honours it everywhere.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session, aliased

from expo_crm.directory.models import Person
from expo_crm.errors import NotFound, ValidationError
from expo_crm.followup.models import OptOut, Outreach
from expo_crm.followup.optouts import marketing_withdrawn
from expo_crm.labels import register_labels
from expo_crm.mail.models import Message
from expo_crm.visitors.models import ConsentKind, ConsentRecord

log = logging.getLogger(__name__)

#: How long an unsubscribe link stays valid (it is in every marketing message).
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600
UNSUBSCRIBE_WORDING = {
    "en": "Unsubscribed from marketing e-mail with the link in a message.",
    "zh": "通过邮件中的链接退订营销邮件。",
}


class Exclusion(enum.StrEnum):
    """Why a person will not receive a marketing message."""

    NO_EMAIL = "no_email"
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    BOUNCED = "bounced"
    ALREADY_SENT = "already_sent"
    DUPLICATE = "duplicate"  #: the same person appears twice in the source list


register_labels(
    {
        Exclusion.NO_EMAIL: _l("No e-mail address"),
        Exclusion.OPTED_OUT: _l("Opted out"),
        Exclusion.NO_CONSENT: _l("No marketing consent"),
        Exclusion.BOUNCED: _l("Address bounced"),
        Exclusion.ALREADY_SENT: _l("Already sent this campaign"),
        Exclusion.DUPLICATE: _l("Listed twice"),
    }
)


def ever_granted(person_id: Any) -> Any:
    """SQL: the person granted marketing consent at some time."""
    return exists(
        select(ConsentRecord.id).where(
            ConsentRecord.person_id == person_id,
            ConsentRecord.kind == ConsentKind.MARKETING,
            ConsentRecord.granted.is_(True),
        )
    )


def opt_out_recorded(person_id: Any) -> Any:
    """SQL: an opt-out names the person or their company."""
    someone = aliased(Person)
    return or_(
        exists(select(OptOut.id).where(OptOut.person_id == person_id)),
        exists(
            select(OptOut.id)
            .join(someone, someone.company_id == OptOut.company_id)
            .where(someone.id == person_id)
        ),
    )


def has_marketing_consent(person_id: Any) -> Any:
    """SQL: the person's latest marketing consent record grants consent."""
    return and_(ever_granted(person_id), ~marketing_withdrawn(person_id))


def address_bounced(email: Any) -> Any:
    """SQL: a message to this address was refused for good."""
    return exists(select(Message.id).where(Message.to_address == email, Message.bounced))


def marketing_exclusions(
    session: Session, person_ids: Iterable[int], campaign_id: int | None = None
) -> dict[int, Exclusion | None]:
    """Return {person_id: why excluded, or None if the person may receive marketing}."""
    ids = sorted(set(person_ids))
    result: dict[int, Exclusion | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        already = (
            exists(
                select(Outreach.id).where(
                    Outreach.campaign_id == campaign_id, Outreach.person_id == Person.id
                )
            )
            if campaign_id is not None
            else false()
        )
        rows = session.execute(
            select(
                Person.id,
                Person.email,
                opt_out_recorded(Person.id),
                marketing_withdrawn(Person.id),
                ever_granted(Person.id),
                address_bounced(Person.email),
                already,
            ).where(Person.id.in_(chunk))
        )
        for pid, email, opt_out, withdrawn, granted, bounced, sent in rows:
            reason = None
            if not email:
                reason = Exclusion.NO_EMAIL
            elif opt_out or (withdrawn and granted):  # an opt-out, or consent taken back
                reason = Exclusion.OPTED_OUT
            elif withdrawn or not granted:
                reason = Exclusion.NO_CONSENT
            elif bounced:
                reason = Exclusion.BOUNCED
            elif sent:
                reason = Exclusion.ALREADY_SENT
            result[pid] = reason
    return result


def marketing_exclusion(
    session: Session, person_id: int, campaign_id: int | None = None
) -> Exclusion | None:
    """Why this person may not receive a marketing message now (None: they may)."""
    found = marketing_exclusions(session, [person_id], campaign_id)
    return found.get(person_id, Exclusion.NO_EMAIL)


# -- unsubscribe -----------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="mail-unsubscribe")


def unsubscribe_token(person_id: int) -> str:
    return _serializer().dumps({"p": person_id})


def read_unsubscribe_token(token: str) -> int:
    """Return the person an unsubscribe link is for; raise ValidationError if altered or
    expired."""
    try:
        data = _serializer().loads(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except SignatureExpired as exc:
        raise ValidationError("token", _("This unsubscribe link has expired.")) from exc
    except BadSignature as exc:
        raise ValidationError("token", _("This unsubscribe link is not valid.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise ValidationError("token", _("This unsubscribe link is not valid."))
    return int(data["p"])


def unsubscribe(session: Session, person_id: int, language: str = "en") -> bool:
    """Withdraw the person's marketing consent; return False if it was already withdrawn.

    Raise NotFound for an unknown person.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_("This unsubscribe link is not valid."))
    if session.scalar(select(marketing_withdrawn(person_id))):
        return False
    language = "zh" if language.startswith("zh") else "en"
    session.add(
        ConsentRecord(
            person_id=person_id,
            kind=ConsentKind.MARKETING,
            granted=False,
            wording=UNSUBSCRIBE_WORDING[language],
            language="zh_Hans_CN" if language == "zh" else "en",
        )
    )
    session.flush()
    log.info("Person %s unsubscribed from marketing e-mail", person_id)
    return True
