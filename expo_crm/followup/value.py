"""The value of exhibitors: historical, current and potential value, the value matrix, and
the value pyramid of an edition.

**Pyramid rule.** The exhibitors of an edition (see :mod:`facts`) are ranked by revenue,
highest first; with ``n`` exhibitors the tier boundaries are the positions
``ceil(1% of n)``, ``ceil(5% of n)`` and ``ceil(20% of n)`` (1-based). A company is
*VIP* if its revenue is at least the revenue at the VIP boundary, else *major* if at least
the revenue at the major boundary, else *ordinary* if at least the revenue at the ordinary
boundary, else *small*. So:

* any edition with at least one exhibitor has at least one VIP (ceil), and with fewer than
  100 exhibitors the major tier may be empty (ceil(5% of 10) = 1 is already the VIP);
* ties never split: equal revenue means equal tier, and a tie at a boundary lifts every
  tied company into the higher tier (the tiers may then hold more than their share).

**Company value.** *Historical* — paid (payments on its invoices) at editions before the
reference edition. *Current* — its revenue at the reference edition. *Potential* — a stated
estimate: the base (current revenue, else the last edition's), plus the area trend
(m² change between its last two exhibiting editions, times the reference edition's average
revenue per m²), raised by 5% for each of its people seen visiting other booths at the
reference edition (at most 10). Each part is returned as a reason.

**Value matrix.** Current value against potential value, among companies that exhibited
at the reference edition or before; *high* means positive and at or above the median of
that group. Loyal = high current and high potential (keep and grow); repeat = high
current, low potential (keep); expected = low current, high potential (win back or grow);
ordinary = low both.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expo_crm.db import money
from expo_crm.directory.models import Company
from expo_crm.followup import engagement, facts
from expo_crm.i18n import money as money_text
from expo_crm.labels import register_labels
from expo_crm.shows.models import Show


class Tier(enum.StrEnum):
    VIP = "vip"
    MAJOR = "major"
    ORDINARY = "ordinary"
    SMALL = "small"


register_labels(
    {
        Tier.VIP: _l("VIP"),
        Tier.MAJOR: _l("Major"),
        Tier.ORDINARY: _l("Ordinary"),
        Tier.SMALL: _l("Small"),
    }
)

#: Cumulative share of exhibitors (by rank) that closes each tier.
TIER_SHARES = ((Tier.VIP, 0.01), (Tier.MAJOR, 0.05), (Tier.ORDINARY, 0.20))


def assign_tiers(revenues: Sequence[Decimal]) -> list[Tier]:
    """Return the tier of each revenue (given highest first) by the pyramid rule above."""
    n = len(revenues)
    if any(revenues[i] < revenues[i + 1] for i in range(n - 1)):
        raise ValueError("revenues must be sorted highest first")
    thresholds = [
        (tier, revenues[math.ceil(round(share * n, 9)) - 1]) for tier, share in TIER_SHARES if n
    ]
    tiers = []
    for revenue in revenues:
        tier = next((t for t, floor in thresholds if revenue >= floor), Tier.SMALL)
        tiers.append(tier)
    return tiers


@dataclass
class PyramidRow:
    company_id: int
    name: str
    revenue: Decimal
    rank: int
    tier: Tier


@dataclass
class Pyramid:
    show_code: str
    rows: list[PyramidRow]
    tiers: dict[Tier, dict[str, Decimal | int]] = field(default_factory=dict)


def pyramid(session: Session, show: Show) -> Pyramid:
    """Place every exhibitor of the edition in the value pyramid."""
    ex = facts.exhibitor_facts(show.id).subquery()
    known = func.coalesce(ex.c.revenue, 0)  # a listed exhibitor whose amount is unknown
    rows = session.execute(
        select(ex.c.company_id, Company.name, known.label("revenue"))
        .join(Company, Company.id == ex.c.company_id)
        .order_by(known.desc(), Company.name, ex.c.company_id)
    ).all()
    revenues = [money(r.revenue) for r in rows]
    tiers = assign_tiers(revenues)
    result = Pyramid(show.code, [])
    for tier in Tier:
        result.tiers[tier] = {"companies": 0, "revenue": money(0)}
    for rank, (row, revenue, tier) in enumerate(zip(rows, revenues, tiers, strict=True), 1):
        result.rows.append(PyramidRow(row.company_id, row.name, revenue, rank, tier))
        result.tiers[tier]["companies"] += 1
        result.tiers[tier]["revenue"] += revenue
    return result


# -- company value -------------------------------------------------------------------------


class Quadrant(enum.StrEnum):
    LOYAL = "loyal"
    REPEAT = "repeat"
    ORDINARY = "ordinary"
    EXPECTED = "expected"


register_labels(
    {
        Quadrant.LOYAL: _l("Loyal"),
        Quadrant.REPEAT: _l("Repeat"),
        Quadrant.ORDINARY: _l("Ordinary"),
        Quadrant.EXPECTED: _l("Expected"),
    }
)


@dataclass
class CompanyValue:
    company_id: int
    name: str
    historical: Decimal
    current: Decimal
    potential: Decimal
    editions: int  #: editions exhibited up to the reference edition
    reasons: list[str]  #: how the potential was estimated, in the reader's language
    quadrant: Quadrant | None = None


STAFF_UPLIFT = Decimal("0.05")
STAFF_CAP = 10


def company_values(session: Session, show: Show) -> list[CompanyValue]:
    """Value every company that exhibited at ``show`` or earlier, placed in the value matrix.

    Aggregates run in SQL; the per-company arithmetic runs over one row per company.
    """
    earlier = facts.editions_before(session, show)
    upto = [*earlier, show.id]
    order = {s.id: k for k, s in enumerate(facts.editions(session))}
    rows_sub = facts.participation_rows(upto)
    per_edition = session.execute(
        select(rows_sub.c.company_id, rows_sub.c.show_id, rows_sub.c.revenue, rows_sub.c.area_m2)
    ).all()
    # Unknown listed amounts count as nothing; unknown areas make no trend.
    history: dict[int, list[tuple[int, Decimal, Decimal | None]]] = {}
    for company_id, show_id, revenue, area in per_edition:
        history.setdefault(company_id, []).append(
            (order[show_id], money(revenue or 0), None if area is None else Decimal(area))
        )
    if not history:
        return []
    paid: dict[int, Decimal] = (
        {cid: amount for cid, amount in session.execute(facts.paid_by_company(earlier))}
        if earlier
        else {}
    )
    names: dict[int, str] = {
        cid: name
        for cid, name in session.execute(
            select(Company.id, Company.name).where(Company.id.in_(history))
        )
    }
    staff = engagement.staff_visiting_booths(session, show.id)
    this = order[show.id]
    cur_rev = sum((r for h in history.values() for o, r, _a in h if o == this), Decimal(0))
    cur_area = sum((a or 0 for h in history.values() for o, _r, a in h if o == this), Decimal(0))
    per_m2 = cur_rev / cur_area if cur_area else Decimal(0)

    values = []
    for company_id, rows in history.items():
        rows.sort()
        current = next((r for o, r, _a in rows if o == this), Decimal(0))
        base = current or rows[-1][1]
        reasons = [
            _("base %(amount)s (this edition)", amount=money_text(base, show.currency))
            if current
            else _("base %(amount)s (last edition)", amount=money_text(base, show.currency))
        ]
        potential = base
        last_area, before_area = rows[-1][2], rows[-2][2] if len(rows) >= 2 else None
        if last_area is not None and before_area is not None:
            delta_m2 = last_area - before_area
            if delta_m2:
                trend = money(delta_m2 * per_m2)
                potential += trend
                reasons.append(
                    _(
                        "area trend %(area)s m² → %(amount)s",
                        area=format_decimal(delta_m2, "+#,##0.##;-#,##0.##"),
                        amount=("+" if trend > 0 else "") + money_text(trend, show.currency),
                    )
                )
        people = min(staff.get(company_id, 0), STAFF_CAP)
        if people:
            potential *= 1 + STAFF_UPLIFT * people
            reasons.append(
                _(
                    "%(people)s staff visiting booths → +%(uplift)s",
                    people=people,
                    uplift=format_percent(STAFF_UPLIFT * people),
                )
            )
        values.append(
            CompanyValue(
                company_id=company_id,
                name=names.get(company_id, "?"),
                historical=money(paid.get(company_id) or 0),
                current=money(current),
                potential=money(max(potential, Decimal(0))),
                editions=len(rows),
                reasons=reasons,
            )
        )
    place_in_matrix(values)
    values.sort(key=lambda v: (-v.potential, -v.historical, v.name))
    return values


def matrix_medians(values: list[CompanyValue]) -> tuple[Decimal, Decimal]:
    """Return the medians of current and potential value: the matrix's dividing lines."""
    if not values:
        return Decimal(0), Decimal(0)
    return median(v.current for v in values), median(v.potential for v in values)


def place_in_matrix(values: list[CompanyValue]) -> None:
    """Set each value's quadrant: high means positive and at or above the group's median."""
    if not values:
        return
    cur_median, pot_median = matrix_medians(values)
    for v in values:
        high_cur = v.current > 0 and v.current >= cur_median
        high_pot = v.potential > 0 and v.potential >= pot_median
        if high_cur and high_pot:
            v.quadrant = Quadrant.LOYAL
        elif high_cur:
            v.quadrant = Quadrant.REPEAT
        elif high_pot:
            v.quadrant = Quadrant.EXPECTED
        else:
            v.quadrant = Quadrant.ORDINARY
