"""Use cases for companies and people: find, create, edit with history, search, merge."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from expo_crm.auth.models import User
from expo_crm.db import repoint_references
from expo_crm.directory.models import ChangeRecord, Company, Person
from expo_crm.directory.normalize import (
    FREE_MAIL_DOMAINS,
    domain_of,
    normalize_company_name,
    normalize_email,
)
from expo_crm.errors import Conflict, NotFound, ValidationError

log = logging.getLogger(__name__)

COMPANY_FIELDS = (
    "name",
    "website",
    "industry",
    "activity",
    "country",
    "city",
    "address",
    "phone",
    "employees",
    "is_member",
)
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "title",
    "email",
    "phone",
    "company_id",
    "country",
    "language",
    "is_booking_contact",
)


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _record(
    session: Session,
    entity: str,
    entity_id: int,
    user: User | None,
    action: str,
    changes: dict[str, Any],
) -> None:
    session.add(
        ChangeRecord(
            entity=entity,
            entity_id=entity_id,
            user_id=user.id if user else None,
            action=action,
            changes=changes,
        )
    )


def _apply(obj: Any, fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            sorted(unknown)[0], f"Unknown field(s): {', '.join(sorted(unknown))}."
        )
    changes = {}
    for key, value in fields.items():
        old = getattr(obj, key)
        if old != value:
            changes[key] = [_jsonable(old), _jsonable(value)]
            setattr(obj, key, value)
    return changes


# -- companies -----------------------------------------------------------------------------


def get_company(session: Session, company_id: int) -> Company:
    """Return the company; a merged one resolves to the record it was merged into."""
    company = session.get(Company, company_id)
    while company is not None and company.merged_into_id is not None:
        company = session.get(Company, company.merged_into_id)
    if company is None:
        raise NotFound(_("No company %(id)s.", id=company_id))
    return company


def create_company(session: Session, user: User | None = None, **fields: Any) -> Company:
    """Create a company; raise ValidationError if it has no name."""
    name = (fields.get("name") or "").strip()
    if not name:
        raise ValidationError("name", _("A company needs a name."))
    fields["name"] = name
    company = Company(normalized_name=normalize_company_name(name), name=name)
    _apply(company, fields, COMPANY_FIELDS)
    company.domain = _company_domain(fields.get("website"))
    session.add(company)
    session.flush()
    _record(session, "company", company.id, user, "created", {"name": [None, name]})
    return company


def _company_domain(website: str | None) -> str | None:
    domain = domain_of(website)
    return None if domain in FREE_MAIL_DOMAINS else domain


def update_company(session: Session, company: Company, user: User | None, **fields: Any) -> dict:
    """Change a company's fields and keep the edit in its history; return the changes."""
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError("name", _("A company needs a name."))
    changes = _apply(company, fields, COMPANY_FIELDS)
    if "name" in changes:
        company.normalized_name = normalize_company_name(company.name)
    if "website" in changes:
        company.domain = _company_domain(company.website)
    if changes:
        _record(session, "company", company.id, user, "updated", changes)
        log.info("Company %s updated by %s: %s", company.id, user and user.email, sorted(changes))
    session.flush()
    return changes


def find_company(
    session: Session, name: str | None = None, domain: str | None = None
) -> Company | None:
    """Return the live company matching a domain (preferred) or a normalized name."""
    live = select(Company).where(Company.merged_into_id.is_(None)).order_by(Company.id).limit(1)
    domain = _company_domain(domain)
    if domain:
        company = session.scalar(live.where(Company.domain == domain))
        if company:
            return company
    if name and (key := normalize_company_name(name)):
        return session.scalar(live.where(Company.normalized_name == key))
    return None


def find_or_create_company(
    session: Session, name: str, domain: str | None = None, user: User | None = None, **fields: Any
) -> Company:
    """Return the existing company with this domain or name, or create it."""
    company = find_company(session, name, domain)
    if company is None:
        website = fields.pop("website", None) or (domain and f"https://{domain}")
        company = create_company(session, user, name=name, website=website, **fields)
    return company


def company_query(
    search: str | None = None, *, country: str | None = None, industry: str | None = None
) -> Select[tuple[Company]]:
    """Build the query behind the company list: live companies, optionally filtered."""
    query = select(Company).where(Company.merged_into_id.is_(None))
    if search:
        term = f"%{search.strip().lower()}%"
        key = f"%{normalize_company_name(search)}%"
        query = query.where(
            or_(
                Company.normalized_name.like(key),
                func.lower(Company.name).like(term),
                Company.domain.like(term),
            )
        )
    if country:
        query = query.where(Company.country == country.upper())
    if industry:
        query = query.where(Company.industry == industry)
    return query.order_by(Company.normalized_name, Company.id)


def history(session: Session, entity: str, entity_id: int) -> list[ChangeRecord]:
    """Return the edit history of a company or person, newest first."""
    return list(
        session.scalars(
            select(ChangeRecord)
            .where(ChangeRecord.entity == entity, ChangeRecord.entity_id == entity_id)
            .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
        )
    )


def merge_companies(
    session: Session, keep: Company, duplicate: Company, user: User | None
) -> list[str]:
    """Merge ``duplicate`` into ``keep``: everything pointing at it moves over, empty fields of
    ``keep`` are filled from it, and it stays as a tombstone. Raise Conflict on a self-merge."""
    if keep.id == duplicate.id or duplicate.merged_into_id is not None:
        raise Conflict(_("These companies cannot be merged (same record or already merged)."))
    filled = {
        f: getattr(duplicate, f)
        for f in COMPANY_FIELDS
        if getattr(keep, f) in (None, "") and getattr(duplicate, f) not in (None, "")
    }
    if filled:
        update_company(session, keep, user, **filled)
    if keep.domain is None:
        keep.domain = duplicate.domain
    session.flush()
    touched = repoint_references(session, "companies", duplicate.id, keep.id)
    duplicate.merged_into_id = keep.id
    _record(
        session,
        "company",
        keep.id,
        user,
        "merged",
        {"merged_from": duplicate.id, "name": duplicate.name, "moved": touched},
    )
    session.flush()
    session.expire_all()
    log.info("Company %s merged into %s by %s", duplicate.id, keep.id, user and user.email)
    return touched


# -- people ----------------------------------------------------------------------------------


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    while person is not None and person.merged_into_id is not None:
        person = session.get(Person, person.merged_into_id)
    if person is None:
        raise NotFound(_("No person %(id)s.", id=person_id))
    return person


def create_person(session: Session, user: User | None = None, **fields: Any) -> Person:
    """Create a person; raise ValidationError on a bad or taken email or a missing name."""
    if fields.get("email"):
        fields["email"] = normalize_email(fields["email"])
        if session.scalar(select(Person.id).where(Person.email == fields["email"])):
            raise ValidationError(
                "email", _("%(email)s already belongs to someone.", email=fields["email"])
            )
    else:
        fields["email"] = None
    full = (fields.get("full_name") or "").strip() or " ".join(
        p for p in (fields.get("first_name"), fields.get("last_name")) if p
    ).strip()
    if not full:
        raise ValidationError("full_name", _("A person needs a name."))
    fields["full_name"] = full
    person = Person()
    _apply(person, fields, PERSON_FIELDS)
    session.add(person)
    session.flush()
    _record(session, "person", person.id, user, "created", {"full_name": [None, full]})
    return person


def update_person(session: Session, person: Person, user: User | None, **fields: Any) -> dict:
    """Change a person's fields and keep the edit in their history; return the changes."""
    if fields.get("email"):
        fields["email"] = normalize_email(fields["email"])
        clash = session.scalar(
            select(Person.id).where(Person.email == fields["email"], Person.id != person.id)
        )
        if clash:
            raise ValidationError(
                "email", _("%(email)s already belongs to someone else.", email=fields["email"])
            )
    changes = _apply(person, fields, PERSON_FIELDS)
    if changes:
        _record(session, "person", person.id, user, "updated", changes)
    session.flush()
    return changes


def merge_people(session: Session, keep: Person, duplicate: Person, user: User | None) -> list[str]:
    """Merge ``duplicate`` into ``keep`` (see ``merge_companies``)."""
    if keep.id == duplicate.id or duplicate.merged_into_id is not None:
        raise Conflict(_("These people cannot be merged (same record or already merged)."))
    extra = dict(keep.other_contacts or {})
    emails = set(extra.get("emails", [])) | set((duplicate.other_contacts or {}).get("emails", []))
    if duplicate.email and duplicate.email != keep.email:
        emails.add(duplicate.email)
    dup_email, duplicate.email = duplicate.email, None  # free the unique email first
    session.flush()
    filled = {
        f: getattr(duplicate, f)
        for f in PERSON_FIELDS
        if f != "email"
        and getattr(keep, f) in (None, "")
        and getattr(duplicate, f) not in (None, "")
    }
    if keep.email is None and dup_email:
        filled["email"] = dup_email
        emails.discard(dup_email)
    if filled:
        update_person(session, keep, user, **filled)
    keep.other_contacts = {**extra, "emails": sorted(emails)}
    touched = repoint_references(session, "people", duplicate.id, keep.id)
    duplicate.merged_into_id = keep.id
    _record(
        session,
        "person",
        keep.id,
        user,
        "merged",
        {"merged_from": duplicate.id, "name": duplicate.full_name, "moved": touched},
    )
    session.flush()
    session.expire_all()
    log.info("Person %s merged into %s by %s", duplicate.id, keep.id, user and user.email)
    return touched


def company_contacts(session: Session, company: Company) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .where(Person.company_id == company.id, Person.merged_into_id.is_(None))
            .order_by(Person.is_booking_contact.desc(), Person.full_name)
        )
    )


def duplicate_candidates(
    session: Session, company: Company, limit: int = 10
) -> list[tuple[Company, float]]:
    """Return live companies whose name resembles this one's, best first, with a 0–100 score."""
    from rapidfuzz import fuzz, process

    key = company.normalized_name
    if not key:
        return []
    prefix = key[:3]
    rows = session.execute(
        select(Company.id, Company.normalized_name).where(
            Company.merged_into_id.is_(None),
            Company.id != company.id,
            or_(
                Company.normalized_name.like(f"{prefix}%"),
                Company.domain == company.domain if company.domain else false(),
            ),
        )
    ).all()
    choices = {row.id: row.normalized_name for row in rows}
    matches = process.extract(
        key, choices, scorer=fuzz.token_sort_ratio, limit=limit, score_cutoff=70
    )
    by_id = {
        c.id: c
        for c in session.scalars(select(Company).where(Company.id.in_([m[2] for m in matches])))
    }
    return [(by_id[m[2]], round(m[1], 1)) for m in matches]
