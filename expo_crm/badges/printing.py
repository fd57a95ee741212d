"""Printing badges: layouts per category, what a badge shows, single prints counted (and
warned as reprints), and an edition's pre-registered badges in bulk."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from expo_crm.auth.models import User
from expo_crm.badges import pdf, qr
from expo_crm.badges.models import CATEGORY_LABELS, Badge, BadgeLayout, BadgeSize
from expo_crm.badges.rules import forget_show_rules
from expo_crm.db import utcnow
from expo_crm.directory.models import Company, Person
from expo_crm.errors import Conflict, ValidationError
from expo_crm.shows.models import Show
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory

log = logging.getLogger(__name__)

#: Default size per category when the organizer has not chosen one.
DEFAULT_SIZE = BadgeSize.A6


def reprint_warning(badge: Badge) -> str | None:
    """Say how often a badge was printed already, or None for a first print."""
    if badge.print_count == 0:
        return None
    if badge.print_count == 1:
        return _("This badge was already printed once.")
    if badge.print_count == 2:
        return _("This badge was already printed twice.")
    return _("This badge was already printed %(n)s times.", n=badge.print_count)


def record_print(session: Session, badge: Badge) -> str | None:
    """Count a print of a badge; return the reprint warning to show, if any."""
    if badge.revoked_at is not None:
        raise Conflict(_("A revoked badge cannot be printed; reissue it."))
    warning = reprint_warning(badge)
    badge.print_count += 1
    badge.last_printed_at = utcnow()
    session.flush()
    if warning:
        log.warning("Badge %s reprinted (print %s)", badge.id, badge.print_count)
    return warning


def layout_for(session: Session, show_id: int, category: VisitorCategory) -> BadgeLayout:
    """Return the organizer's layout of a category, or the default one (not saved)."""
    layout = session.scalar(
        select(BadgeLayout).where(BadgeLayout.show_id == show_id, BadgeLayout.category == category)
    )
    if layout is None:
        band, text = pdf.DEFAULT_COLORS[category.value]
        layout = BadgeLayout(
            show_id=show_id,
            category=category,
            size=DEFAULT_SIZE,
            band_color=band,
            text_color=text,
            valid_days=[],
        )
    return layout


def layouts(session: Session, show_id: int) -> list[BadgeLayout]:
    return [layout_for(session, show_id, category) for category in VisitorCategory]


def save_layout(
    session: Session,
    show: Show,
    category: VisitorCategory,
    *,
    size: BadgeSize,
    band_color: str,
    text_color: str,
    valid_days: Sequence[date] = (),
) -> BadgeLayout:
    """Set a category's badge size, colours and admission days; raise ValidationError."""
    for name, value in (("band_color", band_color), ("text_color", text_color)):
        if not is_hex_colour(value):
            raise ValidationError(name, _("Give a colour as #rrggbb."))
    for day in valid_days:
        if day not in show.days:
            raise ValidationError(
                "valid_days", _("%(day)s is not a day of this show.", day=day.isoformat())
            )
    layout = session.scalar(
        select(BadgeLayout).where(BadgeLayout.show_id == show.id, BadgeLayout.category == category)
    )
    if layout is None:
        layout = BadgeLayout(show_id=show.id, category=category)
        session.add(layout)
    layout.size = size
    layout.band_color = band_color.lower()
    layout.text_color = text_color.lower()
    layout.valid_days = sorted(d.isoformat() for d in valid_days)
    session.flush()
    forget_show_rules(show.id)
    log.info("Badge layout of %s at %s set to %s", category, show.code, size)
    return layout


def is_hex_colour(value: str) -> bool:
    return (
        len(value) == 7
        and value.startswith("#")
        and all(c in "0123456789abcdefABCDEF" for c in value[1:])
    )


def _country_name(code: str | None) -> str:
    if not code:
        return ""
    from babel import Locale

    return str(Locale("en").territories.get(code.upper(), code.upper()))


def badge_face(
    session: Session, badge: Badge, size: BadgeSize | str | None = None
) -> pdf.BadgeFace:
    """Return what a badge shows (name, company, country, colours), ready to render."""
    registration = badge.registration
    person: Person = registration.person
    company: Company | None = registration.company or person.company
    layout = layout_for(session, badge.show_id, registration.category)
    return pdf.BadgeFace(
        code=badge.code,
        name=person.full_name,
        company=company.name if company else "",
        country=_country_name(person.country or (company.country if company else None)),
        category=registration.category.value,
        category_label=str(CATEGORY_LABELS[registration.category]).upper(),
        show_name=registration.show.name,
        size=BadgeSize(size or layout.size).value,
        band_color=layout.band_color,
        text_color=layout.text_color,
    )


def badge_pdf(badge: Badge, size: BadgeSize | str | None = None) -> bytes:
    """Render one badge as a PDF (the category's layout; ``size`` overrides its size)."""
    session = object_session(badge)
    if session is None:
        raise ValueError("badge_pdf needs a badge attached to a session")
    return pdf.render_pdf([badge_face(session, badge, size)])


def print_badge(
    session: Session, badge: Badge, size: BadgeSize | str | None = None
) -> tuple[bytes, str | None]:
    """Render a badge for printing and count the print; return (pdf, reprint warning)."""
    warning = record_print(session, badge)
    return badge_pdf(badge, size), warning


BULK_ORDERS = ("surname", "company")


def bulk_badges(
    session: Session,
    show: Show,
    *,
    order: str = "surname",
    unprinted_only: bool = False,
    user: User | None = None,
) -> list[Badge]:
    """Issue and return the badges of every pre-registered person of an edition, sorted."""
    if order not in BULK_ORDERS:
        raise ValidationError("order", _("Sort by surname or company."))
    registrations = list(
        session.scalars(
            select(Registration).where(
                Registration.show_id == show.id,
                Registration.source == RegistrationSource.PREREGISTERED,
            )
        )
    )
    existing = {
        b.registration_id: b
        for b in session.scalars(
            select(Badge).where(Badge.show_id == show.id, Badge.revoked_at.is_(None))
        )
    }
    secret = qr.app_secret()
    for registration in registrations:
        if registration.id not in existing:
            badge_id, code = qr.new_code(secret)
            badge = Badge(
                id=badge_id,
                code=code,
                registration_id=registration.id,
                show_id=show.id,
                issued_by_id=user.id if user else None,
            )
            session.add(badge)
            existing[registration.id] = badge
    session.flush()
    people = (
        {
            p.id: p
            for p in session.scalars(
                select(Person).where(Person.id.in_([r.person_id for r in registrations]))
            )
        }
        if registrations
        else {}
    )
    companies = (
        {
            c.id: c.name
            for c in session.scalars(
                select(Company).where(
                    Company.id.in_({r.company_id for r in registrations if r.company_id})
                )
            )
        }
        if registrations
        else {}
    )

    def key(registration: Registration) -> tuple[bool, str, str, str] | tuple[str, str, str]:
        person = people[registration.person_id]
        surname = (person.last_name or person.full_name).casefold()
        company = companies.get(registration.company_id or 0, "").casefold()
        if order == "company":
            return (company == "", company, surname, person.full_name.casefold())
        return (surname, person.full_name.casefold(), company)

    registrations.sort(key=key)
    badges = [existing[r.id] for r in registrations]
    if unprinted_only:
        badges = [b for b in badges if b.print_count == 0]
    return badges


def bulk_pdf(
    session: Session,
    badges: Sequence[Badge],
    *,
    processes: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> tuple[bytes, int]:
    """Render badges as one PDF on a pool of processes and count the prints.

    Return (pdf, number of reprints among them).
    """
    if not badges:
        raise ValidationError("badges", _("There are no badges to print."))
    layout_cache: dict[tuple[int, VisitorCategory], BadgeLayout] = {}
    faces = []
    for badge in badges:
        registration = badge.registration
        key = (badge.show_id, registration.category)
        if key not in layout_cache:
            layout_cache[key] = layout_for(session, *key)
        faces.append(badge_face(session, badge))
    document = pdf.render_bulk(faces, processes=processes, progress=progress)
    reprints = 0
    now = utcnow()
    for badge in badges:
        reprints += badge.print_count > 0
        badge.print_count += 1
        badge.last_printed_at = now
    session.flush()
    log.info("%s badges printed in bulk (%s reprints)", len(badges), reprints)
    return document, reprints
