"""Use cases of the visitors domain: register with dedupe, consent, card captures, accuracy.

Other domains may call:

- ``register_visitor`` — the one way a registration is made (kiosk, pre-registration, import);
- ``registrations_query`` / ``registrations_for_show`` — who registered at an edition;
- ``person_registrations`` / ``visitor_profile`` — a person across editions;
- ``is_returning`` — whether a person visited an earlier edition;
- ``capture_accuracy`` — per-field OCR correction rates.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.db import utcnow
from expo_crm.directory import services as directory
from expo_crm.directory.models import Company, Person
from expo_crm.directory.normalize import (
    FREE_MAIL_DOMAINS,
    domain_of,
    normalize_company_name,
    normalize_email,
    normalize_phone,
    strip_accents,
)
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.models import (
    CaptureSource,
    CardCapture,
    ConsentKind,
    ConsentRecord,
    DuplicateFlag,
    DuplicateStatus,
    Registration,
    RegistrationSource,
    VisitorCategory,
)
from expo_crm.visitors.questionnaire import COLUMN_KEYS, clean_answers, questions_for

log = logging.getLogger(__name__)

#: The contact fields a card carries, in the order the kiosk shows them.
CARD_FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")
#: Fields read with less confidence than this are highlighted for the visitor to check.
LOW_CONFIDENCE = 0.6
#: Confirmation codes avoid look-alike characters (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

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


# -- contact fields ----------------------------------------------------------------------------


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


# -- finding people ------------------------------------------------------------------------------


def _live(session: Session, person: Person | None) -> Person | None:
    return directory.get_person(session, person.id) if person is not None else None


def find_by_code(session: Session, show: Show, code: str) -> Registration | None:
    """Return this edition's registration with a confirmation code (typed or scanned)."""
    code = "".join(c for c in (code or "").upper() if c.isalnum())
    if not code:
        return None
    return session.scalar(
        select(Registration).where(
            Registration.show_id == show.id, Registration.confirmation_code == code
        )
    )


def match_person(session: Session, *, emails: list[str], phones: list[str]) -> Person | None:
    """Return the live person with one of these (normalized) emails or E.164 phones."""
    for email in emails:
        person = session.scalar(select(Person).where(Person.email == email))
        if person is not None:
            return _live(session, person)
    for phone in phones:
        person = session.scalar(
            select(Person)
            .where(Person.phone == phone, Person.merged_into_id.is_(None))
            .order_by(Person.id)
            .limit(1)
        )
        if person is not None:
            return person
    return None


def _lock(session: Session, keys: list[str]) -> None:
    """On PostgreSQL, serialize registrations that share a key until the transaction ends.

    Emails are protected by their unique constraint; this covers what has none (a phone,
    a company name), so two kiosks never create the same phone-only person or company twice.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


# -- registering ---------------------------------------------------------------------------------


def new_confirmation_code(session: Session) -> str:
    """Return an unused, hard-to-guess confirmation code."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not session.scalar(
            select(Registration.id).where(Registration.confirmation_code == code)
        ):
            return code


def consent_wording(kind: ConsentKind, language: str) -> str:
    """Return the consent text exactly as shown in ``language``."""
    with force_locale(language):
        return str(CONSENT_WORDING[kind])


def register_visitor(
    session: Session,
    show: Show,
    fields: Mapping[str, Any],
    answers: Mapping[str, Any] | None = None,
    consents: Mapping[str, bool] | None = None,
    source: RegistrationSource = RegistrationSource.KIOSK,
    user: User | None = None,
    *,
    category: VisitorCategory | str = VisitorCategory.TRADE,
    language: str = "en",
    confirmation_code: str | None = None,
    capture: CardCapture | None = None,
) -> Registration:
    """Register a visitor at an edition, recognising a returning person; never duplicate one.

    The person is matched by the confirmation code of a pre-registration, then by email,
    then by phone; a match is updated, otherwise a person is created. A new person with
    the same name and company as someone else (but another email) is flagged for staff.
    ``consents`` maps ``marketing`` / ``share`` to the visitor's answer; each is recorded
    with the wording shown in ``language``. ``registration.is_new_person`` tells the caller
    whether a person was created, ``registration.issued_code`` whether a confirmation code
    was issued by this call. Raise ValidationError on bad fields or answers.
    """
    try:
        category = VisitorCategory(category)
    except ValueError as exc:
        raise ValidationError("category", _("Please choose a visitor category.")) from exc
    contact = clean_contact(fields, show.phone_region)
    cleaned_answers = clean_answers(
        questions_for(session, show),
        dict(answers or {}),
        enforce_required=source is not RegistrationSource.IMPORT,
    )
    consent_kinds = _consent_kinds(consents)
    overwrite = source is not RegistrationSource.PREREGISTERED

    company = _company_for(session, contact, user)
    person: Person | None = None
    if confirmation_code:
        by_code = find_by_code(session, show, confirmation_code)
        if by_code is None:
            raise ValidationError("confirmation_code", _("This confirmation code is not known."))
        person = _live(session, by_code.person)
    if person is None:
        if not contact.emails:
            _lock(session, [f"phone:{p}" for p in contact.phones])
        person = match_person(session, emails=contact.emails, phones=contact.phones)
    is_new = person is None
    if person is None:
        person, is_new = _create_person(session, contact, company, user)
    if not is_new:
        _update_person(session, person, contact, company, user, overwrite=overwrite)

    registration = _registration_for(session, show, person, category, source, user)
    registration.company_id = company.id if company else registration.company_id
    if overwrite or registration.category is None:
        registration.category = category
    registration.answers = {**(registration.answers or {}), **cleaned_answers}
    for key in COLUMN_KEYS:
        if key in cleaned_answers:
            setattr(registration, key, cleaned_answers[key])
    issued_code = False
    if source is RegistrationSource.PREREGISTERED and not registration.confirmation_code:
        registration.confirmation_code = new_confirmation_code(session)
        issued_code = True
    session.flush()
    _record_consents(session, registration, consent_kinds, language)
    if capture is not None:
        capture.registration_id = registration.id
        capture.person_id = person.id
    if is_new:
        _flag_near_duplicates(session, person, company, show)
    session.flush()
    registration.is_new_person = is_new
    registration.issued_code = issued_code
    log.info(
        "Registration %s of person %s at %s (%s, %s) by %s",
        registration.id,
        person.id,
        show.code,
        source,
        "new person" if is_new else "returning",
        user.email if user else "visitor",
    )
    return registration


def _consent_kinds(consents: Mapping[str, bool] | None) -> dict[ConsentKind, bool]:
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


def _record_consents(
    session: Session,
    registration: Registration,
    kinds: dict[ConsentKind, bool],
    language: str,
) -> None:
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


def _company_for(session: Session, contact: Contact, user: User | None) -> Company | None:
    if not contact.company:
        return None
    domain = domain_of(contact.website)
    if not domain and contact.email:
        domain = domain_of(contact.email)
    if domain in FREE_MAIL_DOMAINS:
        domain = None
    _lock(session, [f"company:{normalize_company_name(contact.company)}"])
    return directory.find_or_create_company(
        session,
        contact.company,
        domain,
        user,
        website=contact.website,
        address=contact.address,
        country=contact.country,
    )


def _create_person(
    session: Session, contact: Contact, company: Company | None, user: User | None
) -> tuple[Person, bool]:
    """Create the person in a savepoint; if another kiosk just created them, use theirs."""
    fields = {
        "full_name": contact.name,
        "title": contact.title,
        "email": contact.email,
        "phone": contact.phone,
        "company_id": company.id if company else None,
        "country": contact.country,
    }
    try:
        with session.begin_nested():
            person = directory.create_person(session, user, **fields)
            person.other_contacts = _extra_contacts({}, contact, person)
        return person, True
    except (IntegrityError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and exc.field != "email":
            raise
        existing = match_person(session, emails=contact.emails, phones=[])
        if existing is None:
            raise
        log.info("Person %s was registered concurrently; using it", existing.id)
        _update_person(session, existing, contact, company, user, overwrite=True)
        return existing, False


def _extra_contacts(current: dict[str, Any], contact: Contact, person: Person) -> dict[str, Any]:
    emails = set(current.get("emails", [])) | {e for e in contact.emails if e != person.email}
    phones = set(current.get("phones", [])) | {p for p in contact.phones if p != person.phone}
    result = dict(current)
    if emails:
        result["emails"] = sorted(emails)
    if phones:
        result["phones"] = sorted(phones)
    return result


def _update_person(
    session: Session,
    person: Person,
    contact: Contact,
    company: Company | None,
    user: User | None,
    *,
    overwrite: bool,
) -> None:
    """Bring a returning person up to date: fill blanks; with ``overwrite`` (the visitor
    confirmed their card on site) also take a new title or employer."""
    changes: dict[str, Any] = {}
    if contact.email and not person.email:
        taken = session.scalar(select(Person.id).where(Person.email == contact.email))
        if not taken:
            changes["email"] = contact.email
    if contact.phone and not person.phone:
        changes["phone"] = contact.phone
    if contact.title and (overwrite or not person.title):
        changes["title"] = contact.title
    if company is not None and (overwrite or person.company_id is None):
        changes["company_id"] = company.id
    if contact.country and not person.country:
        changes["country"] = contact.country
    changes = {k: v for k, v in changes.items() if getattr(person, k) != v}
    if changes:
        directory.update_person(session, person, user, **changes)
    extra = _extra_contacts(person.other_contacts or {}, contact, person)
    if extra != (person.other_contacts or {}):
        person.other_contacts = extra


def _registration_for(
    session: Session,
    show: Show,
    person: Person,
    category: VisitorCategory,
    source: RegistrationSource,
    user: User | None,
) -> Registration:
    query = select(Registration).where(
        Registration.show_id == show.id, Registration.person_id == person.id
    )
    registration = session.scalar(query)
    if registration is not None:
        return registration
    try:
        with session.begin_nested():
            registration = Registration(
                show_id=show.id,
                person_id=person.id,
                category=category,
                source=source,
                answers={},
                created_by_id=user.id if user else None,
            )
            session.add(registration)
        return registration
    except IntegrityError:
        registration = session.scalar(query)
        if registration is None:
            raise
        return registration


def _flag_near_duplicates(
    session: Session, person: Person, company: Company | None, show: Show
) -> None:
    """Flag, for staff, live people with the same name as a new person but another email,
    at the same company or at a company whose domain is the new person's work email domain
    (a visitor who left the company blank, or typed it so it matched another record)."""
    domain = domain_of(person.email) if person.email else None
    if domain in FREE_MAIL_DOMAINS:
        domain = None
    same_place = []
    if company is not None:
        same_place.append(Person.company_id == company.id)
    if domain:
        same_place.append(
            Person.company_id.in_(
                select(Company.id).where(Company.domain == domain, Company.merged_into_id.is_(None))
            )
        )
    if not same_place:
        return
    key = normalize_name(person.full_name)
    others = session.scalars(
        select(Person)
        .where(or_(*same_place), Person.id != person.id, Person.merged_into_id.is_(None))
        .order_by(Person.id)
    )
    for other in others:
        if normalize_name(other.full_name) != key or other.email == person.email:
            continue
        if company is not None and other.company_id == company.id:
            reason = _("Same name and company (%(company)s), different email", company=company.name)
        else:
            reason = _("Same name and email domain (%(domain)s), different email", domain=domain)
        session.add(
            DuplicateFlag(
                person_id=person.id, other_person_id=other.id, show_id=show.id, reason=reason
            )
        )
        log.info("Near-duplicate flagged: person %s resembles %s", person.id, other.id)


# -- duplicates ---------------------------------------------------------------------------------


def open_duplicates(session: Session) -> Select[tuple[DuplicateFlag]]:
    """Return the query of near-duplicate flags awaiting a decision, newest first."""
    return (
        select(DuplicateFlag)
        .where(DuplicateFlag.status == DuplicateStatus.OPEN)
        .order_by(DuplicateFlag.created_at.desc(), DuplicateFlag.id.desc())
    )


def get_flag(session: Session, flag_id: int) -> DuplicateFlag:
    flag = session.get(DuplicateFlag, flag_id)
    if flag is None:
        raise NotFound(_("No such duplicate flag."))
    return flag


def resolve_duplicate(
    session: Session, flag: DuplicateFlag, user: User, *, merge: bool, keep_id: int | None = None
) -> None:
    """Merge the two people of a flag (keeping ``keep_id``, by default the older record)
    or dismiss the flag. Raise Conflict if it was already resolved."""
    if flag.status is not DuplicateStatus.OPEN:
        raise Conflict(_("This pair was already resolved."))
    flag.status = DuplicateStatus.MERGED if merge else DuplicateStatus.DISMISSED
    flag.resolved_at = utcnow()
    flag.resolved_by_id = user.id
    if merge:
        ids = {flag.person_id, flag.other_person_id}
        keep_id = keep_id or flag.other_person_id
        if keep_id not in ids:
            raise ValidationError("keep_id", _("Keep one of the two people of this pair."))
        (drop_id,) = ids - {keep_id}
        keep = directory.get_person(session, keep_id)
        drop = directory.get_person(session, drop_id)
        if keep.id == drop.id:
            raise Conflict(_("These records were already merged."))
        _merge_registrations(session, keep, drop)
        directory.merge_people(session, keep, drop, user)
    session.flush()
    log.info("Duplicate flag %s %s by %s", flag.id, flag.status, user.email)


def _merge_registrations(session: Session, keep: Person, drop: Person) -> None:
    """Before a merge, fold the duplicate's registrations at editions ``keep`` also attended
    into ``keep``'s (one registration per person and edition must survive the merge)."""
    kept = {
        r.show_id: r
        for r in session.scalars(select(Registration).where(Registration.person_id == keep.id))
    }
    for reg in session.scalars(select(Registration).where(Registration.person_id == drop.id)):
        target = kept.get(reg.show_id)
        if target is None:
            continue
        target.answers = {**(reg.answers or {}), **(target.answers or {})}
        target.confirmation_code = target.confirmation_code or reg.confirmation_code
        target.checked_in_at = target.checked_in_at or reg.checked_in_at
        reg.confirmation_code = None
        session.flush()
        consents = select(ConsentRecord).where(ConsentRecord.registration_id == reg.id)
        for consent in session.scalars(consents):
            consent.registration_id = target.id
        captures = select(CardCapture).where(CardCapture.registration_id == reg.id)
        for capture in session.scalars(captures):
            capture.registration_id = target.id
        session.flush()
        _repoint_registration(session, reg.id, target.id)
        session.delete(reg)
    session.flush()


def _repoint_registration(session: Session, old_id: int, new_id: int) -> None:
    """Point other domains' references (badges, scans) from one registration to another."""
    from sqlalchemy import update

    from expo_crm.extensions import db

    for table in db.metadata.sorted_tables:
        if table.name in ("consent_records", "card_captures"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "registrations":
                session.execute(
                    update(table).where(fk.parent == old_id).values({fk.parent.name: new_id})
                )


# -- card captures --------------------------------------------------------------------------------


def _extension(image: bytes) -> str:
    if image.startswith(b"\xff\xd8"):
        return "jpg"
    if image.startswith(b"\x89PNG"):
        return "png"
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "webp"
    return "img"


def store_capture(
    session: Session,
    show: Show,
    image: bytes,
    reading: Any,
    *,
    media_dir: Path,
    source: CaptureSource = CaptureSource.KIOSK,
    user: User | None = None,
    original_name: str | None = None,
) -> CardCapture:
    """Keep a card that was read: the image under ``media_dir`` and the reading in a row.

    Call only after the image was validated (``read_card`` succeeded). If the row cannot be
    written, a file written for it is removed again.
    """
    digest = hashlib.sha256(image).hexdigest()
    relative = Path("cards") / show.code / digest[:2] / f"{digest}.{_extension(image)}"
    path = media_dir / relative
    created_file = not path.exists()
    if created_file:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(image)
        tmp.replace(path)
    parsed = {f: getattr(reading, f) for f in CARD_FIELDS}
    confidences = {f: round(float(reading.confidence.get(f, 0.0)), 3) for f in CARD_FIELDS}
    capture = CardCapture(
        show_id=show.id,
        source=source,
        image_path=relative.as_posix(),
        image_sha256=digest,
        original_name=original_name,
        raw_text=reading.raw_text or "",
        parsed=parsed,
        confidences=confidences,
        timings=dict(reading.timings or {}),
        uncertain=bool(low_confidence_fields(parsed, confidences)),
        user_id=user.id if user else None,
    )
    try:
        session.add(capture)
        session.flush()
    except Exception:
        if created_file:
            path.unlink(missing_ok=True)
        raise
    return capture


def low_confidence_fields(parsed: Mapping[str, Any], confidences: Mapping[str, Any]) -> list[str]:
    """Return the fields the visitor should check: read with low confidence, or not found
    where a card almost always has them (name, company, email)."""
    low = [
        f
        for f in CARD_FIELDS
        if parsed.get(f) not in (None, "", []) and float(confidences.get(f, 0)) < LOW_CONFIDENCE
    ]
    low.extend(f for f in ("name", "company", "emails") if parsed.get(f) in (None, "", []))
    return [f for f in CARD_FIELDS if f in low]


def confirm_capture(
    session: Session, capture: CardCapture, registration: Registration, confirmed: Contact
) -> None:
    """Record what the visitor finally confirmed for a captured card."""
    capture.confirmed = confirmed.as_dict()
    capture.confirmed_at = utcnow()
    capture.registration_id = registration.id
    capture.person_id = registration.person_id
    session.flush()


def kiosk_capture(session: Session, capture_id: int, user: User) -> CardCapture:
    """Return a capture this kiosk made and nobody has confirmed yet.

    Raise NotFound otherwise (a kiosk cannot reach another device's captures).
    """
    capture = session.get(CardCapture, capture_id)
    if capture is None or capture.user_id != user.id or capture.confirmed_at is not None:
        raise NotFound(_("This card scan has expired. Please scan the card again."))
    return capture


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
    person = _live(session, registration.person)
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


# -- accuracy ----------------------------------------------------------------------------------


def _comparable(field_name: str, value: Any) -> Any:
    if field_name == "emails":
        return sorted({str(v).strip().lower() for v in value or []})
    if field_name == "phones":
        return sorted({"".join(c for c in str(v) if c.isdigit())[-9:] for v in value or []})
    if field_name == "website":
        return domain_of(value) if value else None
    return " ".join(str(value).split()).casefold() if value else None


@dataclass
class FieldAccuracy:
    field: str
    confirmed: int  #: confirmed captures
    corrected: int  #: of those, how many the visitor changed
    missed: int  #: the machine read nothing, the visitor filled it in
    wrong: int  #: the machine read something, the visitor changed or removed it

    @property
    def correction_rate(self) -> float:
        return self.corrected / self.confirmed if self.confirmed else 0.0


def capture_accuracy(session: Session, show: Show) -> list[FieldAccuracy]:
    """Return, per card field, how often kiosk visitors had to correct the machine."""
    rows = session.execute(
        select(CardCapture.parsed, CardCapture.confirmed).where(
            CardCapture.show_id == show.id,
            CardCapture.source == CaptureSource.KIOSK,
            CardCapture.confirmed.is_not(None),
        )
    ).all()
    stats = {f: FieldAccuracy(f, 0, 0, 0, 0) for f in CARD_FIELDS}
    for parsed, confirmed in rows:
        if confirmed is None:  # JSON null on some backends
            continue
        for name, acc in stats.items():
            machine = _comparable(name, (parsed or {}).get(name))
            visitor = _comparable(name, confirmed.get(name))
            acc.confirmed += 1
            if machine != visitor:
                acc.corrected += 1
                if machine in (None, []):
                    acc.missed += 1
                else:
                    acc.wrong += 1
    return list(stats.values())


def capture_counts(session: Session, show: Show) -> dict[str, Any]:
    """Return how many cards were captured at an edition, confirmed, and the median read time."""
    captures = session.scalar(
        select(func.count(CardCapture.id)).where(CardCapture.show_id == show.id)
    )
    confirmed = session.scalar(
        select(func.count(CardCapture.id)).where(
            CardCapture.show_id == show.id, CardCapture.confirmed_at.is_not(None)
        )
    )
    return {"captures": captures or 0, "confirmed": confirmed or 0}


# -- queries for pages and other domains ---------------------------------------------------------


def registrations_query(
    show: Show | None = None,
    *,
    search: str | None = None,
    category: str | None = None,
    source: str | None = None,
) -> Select[tuple[Registration]]:
    """Build the query of registrations, optionally of one edition, searched and filtered."""
    query = select(Registration).join(Person, Registration.person_id == Person.id)
    if show is not None:
        query = query.where(Registration.show_id == show.id)
    if category:
        query = query.where(Registration.category == VisitorCategory(category))
    if source:
        query = query.where(Registration.source == RegistrationSource(source))
    if search:
        term = f"%{search.strip().lower()}%"
        query = query.outerjoin(Company, Registration.company_id == Company.id).where(
            or_(
                func.lower(Person.full_name).like(term),
                Person.email.like(term),
                Person.phone.like(term),
                func.lower(Company.name).like(term),
                Registration.confirmation_code == search.strip().upper(),
            )
        )
    return query.order_by(Registration.created_at.desc(), Registration.id.desc())


def registrations_for_show(
    session: Session, show: Show, category: VisitorCategory | None = None
) -> list[Registration]:
    """Return every registration of an edition (optionally of one category)."""
    return list(session.scalars(registrations_query(show, category=category)))


def person_registrations(session: Session, person: Person) -> list[Registration]:
    """Return a person's registrations across editions, newest edition first."""
    return list(
        session.scalars(
            select(Registration)
            .join(Show, Registration.show_id == Show.id)
            .where(Registration.person_id == person.id)
            .order_by(Show.starts_on.desc())
        )
    )


def is_returning(session: Session, person: Person, show: Show) -> bool:
    """Tell whether a person was registered at an edition before ``show``."""
    return bool(
        session.scalar(
            select(func.count(Registration.id))
            .join(Show, Registration.show_id == Show.id)
            .where(Registration.person_id == person.id, Show.starts_on < show.starts_on)
        )
    )


def visitor_profile(session: Session, person: Person) -> dict[str, Any]:
    """Return a person's visits across editions with their latest answers and consents."""
    registrations = person_registrations(session, person)
    latest = registrations[0] if registrations else None
    return {
        "person_id": person.id,
        "editions": [r.show.code for r in registrations],
        "visits": len(registrations),
        "latest_category": latest.category.value if latest else None,
        "industry": latest.industry if latest else None,
        "job_function": latest.job_function if latest else None,
        "purchasing_role": latest.purchasing_role if latest else None,
        "consent_marketing": latest.consent_marketing if latest else False,
        "consent_share": latest.consent_share if latest else False,
    }


def get_registration(session: Session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(_("No such registration."))
    return registration
