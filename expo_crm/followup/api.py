"""/api/v1/followup: KPIs per edition and as a trend, the value pyramid, the prospect list."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from expo_crm.api import endpoint
from expo_crm.auth.roles import Role
from expo_crm.extensions import db
from expo_crm.followup import kpis, prospects, value
from expo_crm.shows.services import get_show

READERS = (Role.SALES, Role.FINANCE)


def _model_of(dataclass_type: type, name: str) -> type[BaseModel]:
    """The API model of a service's dataclass, so its fields are declared once (in kpis)."""
    hints = get_type_hints(dataclass_type)
    fields = {f.name: (hints[f.name], ...) for f in dataclasses.fields(dataclass_type)}
    return create_model(name, __config__=ConfigDict(from_attributes=True), **fields)  # type: ignore[call-overload, no-any-return]


#: One edition's KPIs, exactly the fields of ``kpis.EditionKpis``.
KpiOut = _model_of(kpis.EditionKpis, "KpiOut")


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
def kpi_trend(query: KpiQuery) -> list[BaseModel]:
    return [KpiOut.model_validate(k) for k in kpis.trend(db.session, query.basis)]


@endpoint(
    "/followup/kpis/<show_code>",
    allow=READERS,
    summary="KPIs of one edition",
    tag="followup",
    query=KpiQuery,
    response=KpiOut,
)
def kpi_edition(show_code: str, query: KpiQuery) -> BaseModel:
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
