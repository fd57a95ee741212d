"""Demo booth sales for every edition: floor plans, who books which booth, how deals end.

Realistic shape, so the after-show KPIs have signal: about 70 % of an edition's exhibitors
rebook the next one, some move up or down in area, some are lost and new ones arrive
(a few lapsed ones come back). From the second edition on, 30–50 % of the new exhibitors are
visiting companies (``world.visitor_companies``) drawn by their latent interest
(``world.interest``); they are recorded in ``world.booked_after_visit`` so the visitors
seeder sends their staff to the edition before.

Past editions are mostly paid, with a few cancellations and debts left overdue; the current
edition is mid-sale: rebookings signed, deposits paid or overdue, quotes open, booths held.

Each deal's quote, contract, invoices and payments are written as rows by
:mod:`expo_crm.demo.booth_sales` (prices from the real pricing function, bulk inserts with
explicit ids so ``expo-crm demo --scale 10`` stays fast). Cancellations then go through
the real ``cancel_contract`` service, so their credit notes and refunds are exactly what
the product would make.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.demo.base import World, interest_weight
from expo_crm.demo.booth_sales import (
    TABLES,
    Deal,
    Ids,
    at,
    contract_rows,
    insert_all,
    next_id,
    number_contracts_and_invoices,
    payment_rows,
    quote_rows,
)
from expo_crm.exhibitors.contracts import cancel_contract
from expo_crm.exhibitors.models import (
    BoothStatus,
    BoothType,
    Contract,
    Invoice,
    Payment,
)
from expo_crm.exhibitors.pricing import Category, default_rules

log = logging.getLogger(__name__)

#: (area m², width, depth, type, weight): the booth sizes on the floor plans.
SIZES = [
    (Decimal(9), 3, 3, BoothType.SHELL_SCHEME, 30),
    (Decimal(12), 4, 3, BoothType.SHELL_SCHEME, 22),
    (Decimal(18), 6, 3, BoothType.SHELL_SCHEME, 18),
    (Decimal(24), 6, 4, BoothType.RAW_SPACE, 12),
    (Decimal(36), 6, 6, BoothType.RAW_SPACE, 9),
    (Decimal(54), 9, 6, BoothType.RAW_SPACE, 5),
    (Decimal(72), 9, 8, BoothType.RAW_SPACE, 3),
    (Decimal(100), 10, 10, BoothType.RAW_SPACE, 1),
]
HALL_WIDTH = 60  #: metres of booths per row before the next row
AISLE = 3
BOOTHS_PER_HALL = 160
REBOOK_RATE = (0.68, 0.76)  #: share of an edition's exhibitors who book the next one
#: Share of an edition's new exhibitors that are companies whose people visited the one before.
FROM_VISITORS = (0.3, 0.5)


def seed(session: Session, world: World) -> None:
    """Build booth sales for every edition of the demo world (bulk inserts; caller commits)."""
    rng = world.rng
    today = world.today
    ids = Ids({t: next_id(session, m) for t, m in TABLES.items()})
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    sellers = world.sales_users or list(world.users.values())[:1]
    pool = list(world.exhibitor_pool)
    world.progress("Laying out booths and selling them…")

    history: dict[int, int] = {}  #: company id → size index at the last edition they exhibited
    ever: set[int] = set()
    previous: set[int] = set()
    to_cancel: list[tuple[int, date]] = []
    n_booths = max(40, round(len(pool) * 0.6))
    for index, show in enumerate(world.shows):
        is_current = index == len(world.shows) - 1
        rules = default_rules(show.starts_on)
        rules_json = rules.as_json()
        rows["price_lists"].append(
            {
                "id": ids.take("price_lists"),
                "show_id": show.id,
                "version": 1,
                "rules": rules_json,
                "updated_at": at(show.starts_on - timedelta(days=400)),
            }
        )
        booths = _floor_plan(rng, show, n_booths, ids)
        seq = {"quote": 0, "invoice": 0}
        free: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for booth in booths:
            free[booth["_size"]].append(booth)
        for bucket in free.values():
            rng.shuffle(bucket)

        # Who exhibits: rebookers from the last edition, plus new and won-back companies.
        last_time = [c for c in pool if c.id in previous]
        rebookers = rng.sample(last_time, round(len(last_time) * rng.uniform(*REBOOK_RATE)))
        target = min(int(n_booths * 0.9), int(max(len(previous), n_booths * 0.8) * 1.03))
        if index == 0:
            target = int(n_booths * 0.85)
        lapsed = [c for c in pool if c.id in ever and c.id not in previous]
        fresh = [c for c in pool if c.id not in ever]
        rng.shuffle(lapsed)
        rng.shuffle(fresh)
        missing = max(target - len(rebookers), 0)
        won_back = lapsed[: int(missing * 0.15)]
        booked = []
        if index > 0:
            # Companies that visited the edition before and now book (the visitors seeder
            # sends their staff there): chosen by their latent interest, with chance.
            booked = _book_visitors(
                rng, world, ever, round(missing * rng.uniform(*FROM_VISITORS)), won_back
            )
            pool.extend(booked)
        world.booked_after_visit[index] = {c.id for c in booked}
        world.won_back[index] = {c.id for c in won_back}
        fresh_used = missing - len(won_back) - len(booked)
        newcomers = won_back + booked + fresh[:fresh_used]
        deals = []
        for company in rebookers:
            size = history[company.id]
            roll = rng.random()
            if roll < 0.20:
                size = min(size + 1, len(SIZES) - 1)
            elif roll < 0.32:
                size = max(size - 1, 0)
            deals.append(Deal(company, size))
        for company in newcomers:
            deals.append(Deal(company, _weighted_size(rng)))

        sales_start = show.starts_on - timedelta(days=360)
        for deal in deals:
            deal.issuer = rng.choice(sellers)
            returning = deal.company.id in previous
            if is_current:
                # Mid-sale: most rebookers signed (many on site at the last show), few newcomers.
                signed_share = 0.8 if returning else 0.3
                window_end = today - timedelta(days=1)
            else:
                signed_share = 1.0
                window_end = show.starts_on - timedelta(days=20)
            start = sales_start if returning else sales_start + timedelta(days=60)
            start = min(start, window_end - timedelta(days=1))
            deal.quote_on = start + timedelta(days=rng.randrange(max((window_end - start).days, 1)))
            if rng.random() < signed_share:
                deal.signed_on = min(
                    deal.quote_on + timedelta(days=rng.randrange(0, 21)), window_end
                )
            deal.booth = _pick_booth(free, deal.size)

        # A few prospects quoted who never signed (lost), and some booths held.
        prospects = fresh[fresh_used : fresh_used + max(3, len(deals) // 6)]
        for company in prospects:
            deal = Deal(company, _weighted_size(rng), issuer=rng.choice(sellers))
            end = today - timedelta(days=1) if is_current else show.starts_on - timedelta(days=30)
            deal.quote_on = end - timedelta(days=rng.randrange(1, 200))
            deal.booth = _pick_booth(free, deal.size)
            deals.append(deal)

        signed_ids = []
        for deal in deals:
            if deal.booth is None:
                continue
            cats = set()
            if deal.company.is_member:
                cats.add(Category.MEMBER)
            if deal.company.id in previous:
                cats.add(Category.RETURNING)
            elif deal.company.id not in ever:
                cats.add(Category.FIRST_TIME)
            quote_id = quote_rows(rows, ids, seq, show, rules, rules_json, deal, cats, today)
            if deal.signed_on is None:
                if is_current and rng.random() < 0.3:
                    _hold(deal, today, rng)
                continue
            deal.booth["status"] = BoothStatus.SOLD
            deal.booth["company_id"] = deal.company.id
            deal.fate = _fate(rng, is_current)
            contract_id = contract_rows(rows, ids, show, rules, deal, quote_id)
            signed_ids.append((contract_id, deal))
        # Contract and invoice numbers follow signing order.
        number_contracts_and_invoices(rows, seq, show, signed_ids)
        payment_rows(rows, ids, seq, show, signed_ids, today, rng)
        for contract_id, deal in signed_ids:
            if deal.fate == "cancelled":
                signed_on = deal.signed_on
                if signed_on is None:
                    raise ValueError("A signed deal must have a signing date.")
                latest = min(show.starts_on - timedelta(days=5), today)
                span = max((latest - signed_on).days, 1)
                to_cancel.append(
                    (contract_id, signed_on + timedelta(days=rng.randrange(1, span + 1)))
                )
        for booth in booths:
            booth.pop("_size")
        rows["booths"].extend(booths)

        exhibiting = {d.company.id for _cid, d in signed_ids}
        for _cid, deal in signed_ids:
            history[deal.company.id] = deal.size
        ever |= exhibiting
        previous = exhibiting
        for kind, last in (
            ("quote", seq["quote"]),
            ("contract", len(signed_ids)),
            ("invoice", seq["invoice"]),
        ):
            rows["document_counters"].append({"show_id": show.id, "kind": kind, "last": last})

    insert_all(session, rows)
    world.progress(f"Cancelling {len(to_cancel)} contracts through the service…")
    for contract_id, on in sorted(to_cancel, key=lambda c: c[1]):
        contract = session.get_one(Contract, contract_id)
        cancel_contract(session, contract, None, today=on)
    session.flush()
    world.summary.update(
        booths=len(rows["booths"]),
        quotes=len(rows["quotes"]),
        contracts=len(rows["contracts"]),
        invoices=session.scalar(select(func.count(Invoice.id))) or 0,
        payments=session.scalar(select(func.count(Payment.id))) or 0,
    )


def _book_visitors(
    rng: Any, world: World, ever: set[int], count: int, taken: list[Any]
) -> list[Any]:
    """Return ``count`` visiting companies that book their first booth, drawn without
    replacement with weight exp(1.5 × interest) (Efraimidis–Spirakis keys)."""
    skip = ever | {c.id for c in taken}
    candidates = [c for c in world.visitor_companies if c.id not in skip]
    if count <= 0 or not candidates:
        return []
    keyed = [
        (rng.random() ** (1.0 / interest_weight(world, c.id, 1.5)), c.id, c) for c in candidates
    ]
    keyed.sort(key=lambda k: (-k[0], k[1]))
    return [c for _key, _id, c in keyed[:count]]


def _weighted_size(rng: Any) -> int:
    return rng.choices(range(len(SIZES)), weights=[s[4] for s in SIZES])[0]


def _floor_plan(rng: Any, show: Any, count: int, ids: Ids) -> list[dict[str, Any]]:
    """Booths laid out hall by hall in rows; row ends are corners, the biggest are islands."""
    sizes = [_weighted_size(rng) for _ in range(count)]
    booths = []
    halls = [chr(ord("A") + i) for i in range((count + BOOTHS_PER_HALL - 1) // BOOTHS_PER_HALL)]
    for h, hall in enumerate(halls):
        chunk = sorted(
            sizes[h * BOOTHS_PER_HALL : (h + 1) * BOOTHS_PER_HALL],
            key=lambda s: (SIZES[s][2], SIZES[s][1]),
        )
        x = y = row_depth = 0
        row: list[dict[str, Any]] = []
        for n, size in enumerate(chunk, start=1):
            area, width, depth, booth_type, _w = SIZES[size]
            if x + width > HALL_WIDTH:
                _corners(row)
                x, y, row_depth, row = 0, y + row_depth + AISLE, 0, []
            booth = {
                "id": ids.take("booths"),
                "show_id": show.id,
                "hall": hall,
                "code": f"{hall}-{n:03d}",
                "area_m2": area,
                "booth_type": booth_type,
                "open_sides": 4 if area >= 72 else 1,
                "status": BoothStatus.AVAILABLE,
                "x": Decimal(x),
                "y": Decimal(y),
                "width": Decimal(width),
                "depth": Decimal(depth),
                "company_id": None,
                "held_until": None,
                "held_by_id": None,
                "_size": size,
            }
            booths.append(booth)
            row.append(booth)
            x += width
            row_depth = max(row_depth, depth)
        _corners(row)
    return booths


def _corners(row: list[dict[str, Any]]) -> None:
    for booth in (row[0], row[-1]) if row else ():
        if booth["open_sides"] < 4:
            booth["open_sides"] = 2
    if len(row) > 6 and row[len(row) // 2]["open_sides"] == 1:
        row[len(row) // 2]["open_sides"] = 3  # a peninsula on the cross aisle


def _pick_booth(free: dict[int, list[dict[str, Any]]], size: int) -> dict[str, Any] | None:
    for delta in (0, 1, -1, 2, -2, 3, -3):
        bucket = free.get(size + delta)
        if bucket:
            return bucket.pop()
    return None


def _hold(deal: Deal, today: date, rng: Any) -> None:
    booth = deal.booth
    if booth is None:
        raise ValueError("Only a deal with a booth can hold it.")
    booth["status"] = BoothStatus.HELD
    booth["company_id"] = deal.company.id
    booth["held_by_id"] = deal.issuer.id
    booth["held_until"] = at(today + timedelta(days=rng.randrange(1, 8)))


def _fate(rng: Any, is_current: bool) -> str:
    roll = rng.random()
    if is_current:
        return (
            "cancelled"
            if roll < 0.03
            else "late"
            if roll < 0.18
            else "partial"
            if roll < 0.25
            else "paid"
        )
    return (
        "cancelled"
        if roll < 0.04
        else "unpaid"
        if roll < 0.07
        else "partial"
        if roll < 0.11
        else "paid"
    )
