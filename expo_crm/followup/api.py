"""/api/v1/followup: KPIs per edition and as a trend, the value pyramid, the prospect list."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from expo_crm.api import endpoint
from expo_crm.auth.roles import Role
from expo_crm.extensions import db
from expo_crm.followup import kpis, prospects, value
from expo_crm.shows.services import get_show

READERS = (Role.SALES, Role.FINANCE)


class KpiOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    show_code: str
    year: int
    exhibitors: int
    new: int
    lost: int
    upgraded: int
    downgraded: int
    rebooked: int
    rebooking_rate: float | None
    net_m2: Decimal
    revenue: Decimal
    avg_revenue: Decimal | None
    visitors: int
    trade: int
    trade_share: float | None
    returning: int
    returning_share: float | None
    conversions: int


class KpiQuery(BaseModel):
    basis: Literal["area", "spend"] = Field("area", description="Compare upgrades by area or spend")


class TierOut(BaseModel):
    tier: str
    companies: int
    revenue: Decimal


class ReasonOut(BaseModel):
    signal: str
    text: str
    points: float


class ProspectOut(BaseModel):
    company_id: int
    name: str
    country: str | None
    industry: str | None
    score: float
    reasons: list[ReasonOut]


class ProspectQuery(BaseModel):
    limit: int = Field(100, ge=1, le=10000, description="How many of the best to return")


@endpoint(
    "/followup/kpis",
    allow=READERS,
    summary="KPIs of every edition, oldest first",
    tag="followup",
    query=KpiQuery,
    response=[KpiOut],
)
def kpi_trend(query: KpiQuery) -> list[KpiOut]:
    return [KpiOut.model_validate(k) for k in kpis.trend(db.session, query.basis)]


@endpoint(
    "/followup/kpis/<show_code>",
    allow=READERS,
    summary="KPIs of one edition",
    tag="followup",
    query=KpiQuery,
    response=KpiOut,
)
def kpi_edition(show_code: str, query: KpiQuery) -> KpiOut:
    show = get_show(db.session, show_code)
    return KpiOut.model_validate(kpis.edition_kpis(db.session, show, query.basis))


@endpoint(
    "/followup/pyramid/<show_code>",
    allow=READERS,
    summary="Value pyramid of an edition (companies and revenue per tier)",
    tag="followup",
    response=[TierOut],
)
def pyramid(show_code: str) -> list[TierOut]:
    result = value.pyramid(db.session, get_show(db.session, show_code))
    return [
        TierOut(tier=t.value, companies=int(d["companies"]), revenue=Decimal(d["revenue"]))
        for t, d in result.tiers.items()
    ]


@endpoint(
    "/followup/prospects/<show_code>",
    allow=(Role.SALES,),
    summary="Ranked prospective exhibitors among the edition's visitor companies",
    tag="followup",
    query=ProspectQuery,
    response=[ProspectOut],
)
def prospect_list(show_code: str, query: ProspectQuery) -> list[ProspectOut]:
    ranked = prospects.prospect_ranking(db.session, get_show(db.session, show_code))
    return [
        ProspectOut(
            company_id=p.company_id,
            name=p.name,
            country=p.country,
            industry=p.industry,
            score=p.score,
            reasons=[ReasonOut(signal=s, text=t, points=pts) for s, t, pts in p.reasons],
        )
        for p in ranked[: query.limit]
    ]
