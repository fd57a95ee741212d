"""Registering a visitor at an edition: the one way a registration is made (kiosk,
pre-registration, desk, import), recognising a returning person and never duplicating one.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.directory import services as directory
from expo_crm.directory.models import Company, Person
from expo_crm.directory.normalize import FREE_MAIL_DOMAINS, domain_of, normalize_company_name
from expo_crm.errors import ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.consents import consent_choices, record_consents
from expo_crm.visitors.contacts import Contact, clean_contact
from expo_crm.visitors.duplicates import flag_near_duplicates
from expo_crm.visitors.matching import find_by_code, live_person, lock_keys, match_person
from expo_crm.visitors.models import CardCapture, Registration, RegistrationSource, VisitorCategory
from expo_crm.visitors.questionnaire import COLUMN_KEYS, clean_answers, questions_for

log = logging.getLogger(__name__)

#: Confirmation codes avoid look-alike characters (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_confirmation_code(session: Session) -> str:
    """Return an unused, hard-to-guess confirmation code."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not session.scalar(
            select(Registration.id).where(Registration.confirmation_code == code)
        ):
            return code


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
    consent_kinds = consent_choices(consents)
    overwrite = source is not RegistrationSource.PREREGISTERED

    company = _company_for(session, contact, user)
    person: Person | None = None
    if confirmation_code:
        by_code = find_by_code(session, show, confirmation_code)
        if by_code is None:
            raise ValidationError("confirmation_code", _("This confirmation code is not known."))
        person = live_person(session, by_code.person)
    if person is None:
        if not contact.emails:
            lock_keys(session, [f"phone:{p}" for p in contact.phones])
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
    record_consents(session, registration, consent_kinds, language)
    if capture is not None:
        capture.registration_id = registration.id
        capture.person_id = person.id
    if is_new:
        flag_near_duplicates(session, person, company, show)
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


def _company_for(session: Session, contact: Contact, user: User | None) -> Company | None:
    if not contact.company:
        return None
    domain = domain_of(contact.website)
    if not domain and contact.email:
        domain = domain_of(contact.email)
    if domain in FREE_MAIL_DOMAINS:
        domain = None
    lock_keys(session, [f"company:{normalize_company_name(contact.company)}"])
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
