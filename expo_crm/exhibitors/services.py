"""Use cases for booths, price rules and quotes.

Contracts and cancellations live in ``contracts.py``, invoices and payments in
``invoicing.py``, reporting queries in ``reports.py``.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from expo_crm.auth.models import User
from expo_crm.db import utcnow
from expo_crm.errors import Conflict, NotFound, ValidationError
from expo_crm.exhibitors.models import (
    DEFAULT_SIDE_M,
    QUOTE_TRANSITIONS,
    Booth,
    BoothStatus,
    BoothType,
    Contract,
    PriceList,
    Quote,
    QuoteLine,
    QuoteStatus,
    transition,
)
from expo_crm.exhibitors.numbering import next_number
from expo_crm.exhibitors.pricing import (
    Category,
    PriceRules,
    default_rules,
    parse_rules,
    price_booth,
)

# Re-exported for other domains (the after-show KPIs): exhibitor history per edition.
from expo_crm.exhibitors.reports import ExhibitorEdition, exhibitor_editions  # noqa: F401
from expo_crm.shows.models import Show

log = logging.getLogger(__name__)

BOOTH_FIELDS = ("hall", "code", "area_m2", "booth_type", "open_sides", "x", "y", "width", "depth")
HOLD_DAYS = 7
#: Names of booth fields in messages.
FIELD_NAMES = {
    "hall": _l("hall"),
    "code": _l("code"),
    "area_m2": _l("area"),
    "booth_type": _l("type"),
    "open_sides": _l("number of open sides"),
    "x": _l("x"),
    "y": _l("y"),
    "width": _l("width"),
    "depth": _l("depth"),
}


def _field(name: str) -> str:
    return str(FIELD_NAMES.get(name, name))


# -- booths --------------------------------------------------------------------------------


def get_booth(session: Session, booth_id: int) -> Booth:
    booth = session.get(Booth, booth_id)
    if booth is None:
        raise NotFound(_("No booth %(id)s.", id=booth_id))
    return booth


def list_booths(
    session: Session, show: Show, *, hall: str | None = None, status: BoothStatus | None = None
) -> list[Booth]:
    """Return an edition's booths by hall and code, optionally of one hall or status."""
    query = select(Booth).where(Booth.show_id == show.id).options(selectinload(Booth.company))
    if hall:
        query = query.where(Booth.hall == hall)
    if status:
        query = query.where(Booth.status == status)
    return list(session.scalars(query.order_by(Booth.hall, Booth.code)))


def halls(session: Session, show: Show) -> list[str]:
    return list(
        session.scalars(
            select(Booth.hall).where(Booth.show_id == show.id).distinct().order_by(Booth.hall)
        )
    )


def _clean_booth_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(BOOTH_FIELDS)
    if unknown:
        raise ValidationError(
            sorted(unknown)[0],
            _("Unknown booth field(s): %(fields)s.", fields=", ".join(sorted(unknown))),
        )
    clean = dict(fields)
    for name in ("hall", "code"):
        if name in clean:
            clean[name] = str(clean[name] or "").strip().upper()
            if not clean[name]:
                raise ValidationError(name, _("Give the booth's %(field)s.", field=_field(name)))
            if len(clean[name]) > 20:
                raise ValidationError(
                    name,
                    _("The booth %(field)s is longer than 20 characters.", field=_field(name)),
                )
    for name in ("area_m2", "x", "y", "width", "depth"):
        if name in clean and clean[name] is not None:
            try:
                clean[name] = Decimal(str(clean[name]))
            except InvalidOperation:
                raise ValidationError(
                    name, _("The %(field)s must be a number.", field=_field(name))
                ) from None
    if "area_m2" in clean and clean["area_m2"] is not None and not clean["area_m2"] > 0:
        raise ValidationError("area_m2", _("The area must be greater than zero m²."))
    for name in ("width", "depth"):
        if name in clean and clean[name] is not None and not clean[name] > 0:
            raise ValidationError(
                name, _("The booth %(field)s must be greater than zero.", field=_field(name))
            )
    for name in ("x", "y"):
        if name in clean and clean[name] is not None and clean[name] < 0:
            raise ValidationError(
                name, _("The position %(field)s cannot be negative.", field=_field(name))
            )
    if "open_sides" in clean:
        try:
            clean["open_sides"] = int(clean["open_sides"])
        except (TypeError, ValueError):
            raise ValidationError("open_sides", _("Open sides must be a whole number.")) from None
        if not 1 <= clean["open_sides"] <= 4:
            raise ValidationError("open_sides", _("A booth has 1 to 4 open sides."))
    if "booth_type" in clean:
        try:
            clean["booth_type"] = BoothType(clean["booth_type"])
        except ValueError:
            raise ValidationError(
                "booth_type",
                _(
                    "Booth type must be one of %(types)s.",
                    types=", ".join(t.value for t in BoothType),
                ),
            ) from None
    return {k: v for k, v in clean.items() if v is not None}


def _code_taken(session: Session, show: Show, code: str, booth_id: int | None = None) -> bool:
    query = select(Booth.id).where(Booth.show_id == show.id, Booth.code == code)
    if booth_id:
        query = query.where(Booth.id != booth_id)
    return session.scalar(query) is not None


#: A booth's rectangle on the floor plan: x, y, width, depth in metres.
Rect = tuple[Decimal, Decimal, Decimal, Decimal]
#: The fields that put a booth somewhere on a floor plan.
PLACEMENT_FIELDS = ("hall", "x", "y", "width", "depth")


def _rect(values: dict[str, Any]) -> Rect | None:
    """Return the rectangle the values place a booth on, or None for a booth not on the plan.

    Raise ValidationError when only one of x and y is given.
    """
    x, y = values.get("x"), values.get("y")
    if x is None and y is None:
        return None
    if x is None or y is None:
        raise ValidationError(
            "y" if y is None else "x",
            _("Give both x and y of the booth's position, or neither if it is not on the plan."),
        )
    width, depth = values.get("width"), values.get("depth")
    return (
        x,
        y,
        DEFAULT_SIDE_M if width is None else width,
        DEFAULT_SIDE_M if depth is None else depth,
    )


def _overlap(a: Rect, b: Rect) -> bool:
    """Tell whether two rectangles share some area (an edge or a corner in common is not)."""
    ax, ay, aw, ad = a
    bx, by, bw, bd = b
    return ax < bx + bw and bx < ax + aw and ay < by + bd and by < ay + ad


def _lock_floor(session: Session, show: Show) -> None:
    """Lock the edition's row: booths are placed one transaction at a time, so two placed at
    once are checked against each other."""
    session.execute(select(Show.id).where(Show.id == show.id).with_for_update())


def _placed_booths(
    session: Session, show: Show, hall: str, booth_id: int | None = None
) -> list[tuple[str, Rect]]:
    """Return (code, rectangle) of the booths on the plan of one hall, but ``booth_id``."""
    query = select(Booth.code, Booth.x, Booth.y, Booth.width, Booth.depth).where(
        Booth.show_id == show.id, Booth.hall == hall, Booth.x.is_not(None), Booth.y.is_not(None)
    )
    if booth_id:
        query = query.where(Booth.id != booth_id)
    return [
        (code, (x, y, w, d)) for code, x, y, w, d in session.execute(query.order_by(Booth.code))
    ]


def _overlapped(placed: list[tuple[str, Rect]], rect: Rect) -> str | None:
    """Return the code of the first placed booth that ``rect`` overlaps, or None."""
    return next((code for code, other in placed if _overlap(rect, other)), None)


def _overlap_error(code: str, other: str, hall: str) -> ValidationError:
    return ValidationError(
        "x",
        _(
            "Booth %(code)s overlaps booth %(other)s in hall %(hall)s.",
            code=code,
            other=other,
            hall=hall,
        ),
    )


def _check_placement(
    session: Session, show: Show, code: str, hall: str, rect: Rect, booth_id: int | None = None
) -> None:
    """Raise ValidationError if ``rect`` overlaps a booth on the plan of the hall."""
    _lock_floor(session, show)
    other = _overlapped(_placed_booths(session, show, hall, booth_id), rect)
    if other is not None:
        raise _overlap_error(code, other, hall)


def _require_booth_fields(clean: dict[str, Any]) -> None:
    for required in ("hall", "code", "area_m2", "booth_type"):
        if required not in clean:
            raise ValidationError(
                required, _("Give the booth's %(field)s.", field=_field(required))
            )


def create_booth(session: Session, show: Show, user: User | None = None, **fields: Any) -> Booth:
    """Add a booth to an edition, on the floor plan if x and y are given.

    Raise ValidationError on bad values, a code already used, or a position that overlaps
    another booth of the hall.
    """
    clean = _clean_booth_fields(fields)
    _require_booth_fields(clean)
    if _code_taken(session, show, clean["code"]):
        raise ValidationError(
            "code",
            _(
                "Booth code %(code)s is already used in %(show)s.",
                code=clean["code"],
                show=show.code,
            ),
        )
    rect = _rect(clean)
    if rect is not None:
        _check_placement(session, show, clean["code"], clean["hall"], rect)
    booth = Booth(show_id=show.id, **clean)
    session.add(booth)
    session.flush()
    log.info("Booth %s created in %s by %s", booth.code, show.code, user and user.email)
    return booth


def update_booth(session: Session, booth: Booth, user: User | None = None, **fields: Any) -> Booth:
    """Change a booth; a sold booth keeps its area and type (the contract was priced on them).

    Fields left out or None keep their value. Raise ValidationError on bad values, a code
    already used, or a move or resize that overlaps another booth of the hall; Conflict
    when the area, type or sides of a sold booth would change.
    """
    clean = _clean_booth_fields(fields)
    if "code" in clean and _code_taken(session, booth.show, clean["code"], booth.id):
        raise ValidationError(
            "code",
            _(
                "Booth code %(code)s is already used in %(show)s.",
                code=clean["code"],
                show=booth.show.code,
            ),
        )
    if booth.status is BoothStatus.SOLD and any(
        k in clean and clean[k] != getattr(booth, k)
        for k in ("area_m2", "booth_type", "open_sides")
    ):
        raise Conflict(
            _("Booth %(code)s is sold: its area, type and sides cannot change.", code=booth.code)
        )
    placement = {k: clean.get(k, getattr(booth, k)) for k in PLACEMENT_FIELDS}
    rect = _rect(placement)
    # Only a move or a resize is checked, so an overlap stored before the check existed
    # does not stop an unrelated edit.
    if rect is not None and any(placement[k] != getattr(booth, k) for k in PLACEMENT_FIELDS):
        _check_placement(
            session, booth.show, clean.get("code", booth.code), placement["hall"], rect, booth.id
        )
    for key, value in clean.items():
        setattr(booth, key, value)
    session.flush()
    log.info("Booth %s updated by %s: %s", booth.code, user and user.email, sorted(clean))
    return booth


def import_booths_csv(session: Session, show: Show, text: str, user: User | None = None) -> int:
    """Create booths from CSV (hall,code,area_m2,booth_type,open_sides[,x,y,width,depth]).

    A line without x and y is a booth not on the plan yet. All or nothing: any bad line
    (bad values, a code used twice, a booth overlapping one already placed or one of an
    earlier line) raises ValidationError naming every bad line.
    """
    reader = csv.DictReader(io.StringIO(text.strip()))
    missing = {"hall", "code", "area_m2", "booth_type"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(
            "file", _("The CSV needs the columns: %(columns)s.", columns=", ".join(sorted(missing)))
        )
    rows, errors, seen = [], [], set()
    _lock_floor(session, show)
    # Booths on the plan, by hall: those stored, then those of the lines read so far.
    placed: dict[str, list[tuple[str, Rect]]] = {}
    for number, row in enumerate(reader, start=2):
        fields = {k: (v or "").strip() or None for k, v in row.items() if k in BOOTH_FIELDS}
        fields.setdefault("open_sides", 1)
        if fields.get("open_sides") is None:
            fields["open_sides"] = 1
        try:
            clean = _clean_booth_fields(fields)
            _require_booth_fields(clean)
            if clean["code"] in seen or _code_taken(session, show, clean["code"]):
                raise ValidationError(
                    "code", _("booth code %(code)s is used twice", code=clean["code"])
                )
            rect = _rect(clean)
            if rect is not None:
                hall = clean["hall"]
                if hall not in placed:
                    placed[hall] = _placed_booths(session, show, hall)
                other = _overlapped(placed[hall], rect)
                placed[hall].append((clean["code"], rect))
                if other is not None:
                    raise _overlap_error(clean["code"], other, hall)
        except ValidationError as exc:
            errors.append(_("line %(n)s: %(problem)s", n=number, problem=exc.message))
            continue
        seen.add(clean["code"])
        rows.append(clean)
    if errors:
        raise ValidationError(
            "file", _("Nothing imported. %(problems)s", problems="; ".join(errors[:20]))
        )
    for clean in rows:
        session.add(Booth(show_id=show.id, **clean))
    session.flush()
    log.info("%s booths imported into %s by %s", len(rows), show.code, user and user.email)
    return len(rows)


def lock_booth(session: Session, booth_id: int) -> Booth:
    """Load a booth with its row locked for this transaction (fresh from the database)."""
    booth = session.scalar(
        select(Booth)
        .where(Booth.id == booth_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booth is None:
        raise NotFound(_("No booth %(id)s.", id=booth_id))
    return booth


def _hold_expired(booth: Booth) -> bool:
    return booth.status is BoothStatus.HELD and (
        booth.held_until is not None and booth.held_until < utcnow()
    )


def hold_booth(
    session: Session, booth: Booth, company_id: int, user: User | None, days: int = HOLD_DAYS
) -> Booth:
    """Hold an available booth for a company for ``days``; raise Conflict if it is taken,
    NotFound for an unknown company."""
    from expo_crm.directory.services import get_company

    company_id = get_company(session, company_id).id
    booth = lock_booth(session, booth.id)
    if booth.status is BoothStatus.SOLD:
        raise Conflict(_("Booth %(code)s is already sold.", code=booth.code))
    if (
        booth.status is BoothStatus.HELD
        and booth.company_id != company_id
        and not _hold_expired(booth)
    ):
        raise Conflict(_("Booth %(code)s is held for another company.", code=booth.code))
    booth.status = BoothStatus.HELD
    booth.company_id = company_id
    booth.held_by_id = user.id if user else None
    booth.held_until = utcnow() + timedelta(days=days)
    session.flush()
    log.info("Booth %s held for company %s by %s", booth.code, company_id, user and user.email)
    return booth


def release_booth(session: Session, booth: Booth, user: User | None) -> Booth:
    """Make a held booth available again; raise Conflict if it is sold."""
    booth = lock_booth(session, booth.id)
    if booth.status is BoothStatus.SOLD:
        raise Conflict(_("Booth %(code)s is sold; cancel its contract instead.", code=booth.code))
    booth.status = BoothStatus.AVAILABLE
    booth.company_id = booth.held_by_id = booth.held_until = None
    session.flush()
    log.info("Booth %s released by %s", booth.code, user and user.email)
    return booth


def release_expired_holds(session: Session) -> int:
    """Make booths whose hold ran out available again; return how many."""
    booths = session.scalars(
        select(Booth)
        .where(Booth.status == BoothStatus.HELD, Booth.held_until < utcnow())
        .with_for_update()
    ).all()
    for booth in booths:
        booth.status = BoothStatus.AVAILABLE
        booth.company_id = booth.held_by_id = booth.held_until = None
    session.flush()
    if booths:
        log.info("%s expired holds released", len(booths))
    return len(booths)


# -- price rules ---------------------------------------------------------------------------


def price_list(session: Session, show: Show) -> PriceList:
    """Return the edition's price list, creating it with default rules the first time."""
    found = session.scalar(select(PriceList).where(PriceList.show_id == show.id))
    if found is None:
        found = PriceList(show_id=show.id, version=1, rules=default_rules(show.starts_on).as_json())
        session.add(found)
        session.flush()
    return found


def price_rules(session: Session, show: Show) -> PriceRules:
    return parse_rules(price_list(session, show).rules)


def save_price_rules(session: Session, show: Show, rules: Any, user: User | None) -> PriceList:
    """Validate and store new rules; the version grows if anything changed.

    Raise ValidationError (nothing saved) when the rules are malformed.
    """
    parsed = parse_rules(rules)
    new = parsed.as_json()
    current = session.scalar(select(PriceList).where(PriceList.show_id == show.id))
    if current is None:
        current = PriceList(show_id=show.id, version=1, rules=new, updated_by_id=user and user.id)
        session.add(current)
        session.flush()
    elif parsed != parse_rules(current.rules):  # by value: 400 and 400.00 are the same price
        current.rules = new
        current.version += 1
        current.updated_by_id = user.id if user else None
        session.flush()
        log.info(
            "Price rules of %s now v%s, by %s", show.code, current.version, user and user.email
        )
    return current


# -- exhibitor categories ------------------------------------------------------------------


def is_returning(session: Session, company_id: int, show: Show) -> bool:
    """Tell whether the company exhibited at the edition before ``show`` (a live contract,
    or its imported exhibitor list)."""
    from expo_crm.history.participations import exhibited
    from expo_crm.shows.services import previous_show

    previous = previous_show(session, show)
    if previous is None:
        return False
    return bool(session.scalar(select(exhibited(previous.id, company_id))))


def is_first_time(session: Session, company_id: int, show: Show) -> bool:
    """Tell whether the company never had a contract at an earlier edition, nor was listed
    as an exhibitor of one."""
    from expo_crm.history.models import Participation

    earlier = select(Show.id).where(Show.starts_on < show.starts_on)
    return not session.scalar(
        select(
            exists().where(Contract.company_id == company_id, Contract.show_id.in_(earlier))
            | exists().where(
                Participation.company_id == company_id, Participation.show_id.in_(earlier)
            )
        )
    )


def exhibitor_categories(session: Session, company_id: int, show: Show) -> set[Category]:
    """Return the discount categories a company falls into for an edition."""
    from expo_crm.directory.services import get_company

    categories = set()
    if get_company(session, company_id).is_member:
        categories.add(Category.MEMBER)
    if is_returning(session, company_id, show):
        categories.add(Category.RETURNING)
    elif is_first_time(session, company_id, show):
        categories.add(Category.FIRST_TIME)
    return categories


# -- quotes --------------------------------------------------------------------------------


def get_quote(session: Session, quote_id: int) -> Quote:
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound(_("No quote %(id)s.", id=quote_id))
    return quote


def _expire_if_due(quote: Quote, today: date) -> None:
    if quote.status is QuoteStatus.ISSUED and quote.valid_until < today:
        transition(quote, QuoteStatus.EXPIRED, QUOTE_TRANSITIONS)


def quote_booth(
    session: Session,
    booth: Booth,
    company_id: int,
    user: User | None,
    today: date | None = None,
) -> Quote:
    """Price a booth for a company and keep the quote; return the existing one if still valid.

    The same company, booth and price-list version always get the same quote (same number,
    same price) while it is valid. Raise Conflict if the booth is sold or held for someone
    else, NotFound for an unknown company.
    """
    from expo_crm.directory.services import get_company

    today = today or date.today()
    company = get_company(session, company_id)
    # Locking the booth serializes quoting it, so two users asking at once get one quote.
    booth = lock_booth(session, booth.id)
    show = booth.show
    if booth.status is BoothStatus.SOLD:
        raise Conflict(_("Booth %(code)s is already sold; it cannot be quoted.", code=booth.code))
    if (
        booth.status is BoothStatus.HELD
        and booth.company_id != company.id
        and not _hold_expired(booth)
    ):
        raise Conflict(_("Booth %(code)s is held for another company.", code=booth.code))
    plist = price_list(session, show)
    existing = session.scalars(
        select(Quote)
        .where(
            Quote.company_id == company.id,
            Quote.booth_id == booth.id,
            Quote.price_list_version == plist.version,
            Quote.status == QuoteStatus.ISSUED,
        )
        .order_by(Quote.id.desc())
    ).first()
    if existing is not None:
        _expire_if_due(existing, today)
        if existing.status is QuoteStatus.ISSUED:
            return existing

    rules = parse_rules(plist.rules)
    categories = exhibitor_categories(session, company.id, show)
    price = price_booth(
        rules,
        booth_type=booth.booth_type,
        area_m2=booth.area_m2,
        open_sides=booth.open_sides,
        categories=categories,
        quoted_on=today,
    )
    _seq, number = next_number(session, show, "quote")
    quote = Quote(
        number=number,
        show_id=show.id,
        company_id=company.id,
        booth_id=booth.id,
        price_list_version=plist.version,
        rules_snapshot={
            "rules": plist.rules,
            "categories": sorted(c.value for c in categories),
            "applied": [line.rule for line in price.lines],
            "booth": {
                "code": booth.code,
                "area_m2": str(booth.area_m2),
                "booth_type": booth.booth_type.value,
                "open_sides": booth.open_sides,
            },
        },
        currency=show.currency,
        subtotal=price.subtotal,
        discount_total=price.discount_total,
        total=price.total,
        priced_on=today,
        valid_until=today + timedelta(days=rules.quote_valid_days),
        issued_by_id=user.id if user else None,
        lines=[
            QuoteLine(position=i, rule=line.rule, description=line.description, amount=line.amount)
            for i, line in enumerate(price.lines, start=1)
        ],
    )
    session.add(quote)
    session.flush()
    log.info(
        "Quote %s: booth %s for company %s, %s %s, by %s",
        number,
        booth.code,
        company.id,
        price.total,
        show.currency,
        user and user.email,
    )
    return quote


def withdraw_quote(session: Session, quote: Quote, user: User | None) -> Quote:
    """Withdraw an issued quote; raise Conflict if it was accepted, expired or withdrawn."""
    transition(quote, QuoteStatus.WITHDRAWN, QUOTE_TRANSITIONS)
    session.flush()
    log.info("Quote %s withdrawn by %s", quote.number, user and user.email)
    return quote


def expire_quotes(session: Session, today: date | None = None) -> int:
    """Mark issued quotes past their validity as expired; return how many."""
    today = today or date.today()
    quotes = session.scalars(
        select(Quote).where(Quote.status == QuoteStatus.ISSUED, Quote.valid_until < today)
    ).all()
    for quote in quotes:
        transition(quote, QuoteStatus.EXPIRED, QUOTE_TRANSITIONS)
    session.flush()
    return len(quotes)


def company_quotes(session: Session, company_id: int) -> list[Quote]:
    """Every quote a company was given, newest first."""
    return list(
        session.scalars(
            select(Quote)
            .where(Quote.company_id == company_id)
            .order_by(Quote.created_at.desc(), Quote.id.desc())
        )
    )


def company_contracts(session: Session, company_id: int) -> list[Contract]:
    """Every contract of a company, newest first."""
    return list(
        session.scalars(
            select(Contract)
            .where(Contract.company_id == company_id)
            .order_by(Contract.signed_at.desc())
        )
    )


def count_quotes(session: Session, show: Show) -> int:
    return session.scalar(select(func.count(Quote.id)).where(Quote.show_id == show.id)) or 0
