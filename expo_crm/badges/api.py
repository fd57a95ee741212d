"""/api/v1 endpoints of the badges domain: gate scans from devices, exhibitor leads."""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from expo_crm.api import endpoint
from expo_crm.auth.roles import Role
from expo_crm.badges import checkin
from expo_crm.badges import leads as lead_service
from expo_crm.badges import scans as scan_body
from expo_crm.extensions import db
from expo_crm.web import current_user_id


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=200)
    gate: str = Field(min_length=1, max_length=scan_body.MAX_GATE_LENGTH)
    #: When the device read the badge (queued scans); the server's time if omitted.
    scanned_at: datetime | None = None
    #: The device's id of the scan: a scan sent twice is recorded once.
    client_uuid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{8,36}$")


class ScanBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scans: list[ScanIn] = Field(min_length=1, max_length=500)


class ScanOut(BaseModel):
    admitted: bool
    verdict: str
    message: str
    name: str | None
    company: str | None
    category: str | None
    category_label: str | None
    client_uuid: str | None


class ScanResults(BaseModel):
    results: list[ScanOut]


@endpoint(
    "/badges/scans",
    method="POST",
    allow=(Role.ONSITE,),
    summary="Judge and record badge scans at a gate (one or a queued batch)",
    tag="badges",
    body=ScanBatch,
    response=ScanResults,
)
def scans(body: ScanBatch) -> ScanResults:
    results = checkin.check_in_batch(
        db.session,
        [scan_body.Scan(s.code, s.gate, s.scanned_at, s.client_uuid) for s in body.scans],
        user_id=current_user_id(),
    )
    out = ScanResults(results=[ScanOut(**r.as_dict()) for r in results])
    db.session.commit()
    return out


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=200)
    scanned_at: datetime | None = None
    client_uuid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{8,36}$")


class LeadOut(BaseModel):
    id: int
    name: str
    company: str
    country: str
    category: str
    shared: bool
    email: str | None
    phone: str | None
    title: str | None
    rating: str | None
    notes: str
    answers: dict[str, str]
    scan_count: int
    scanned_at: datetime


@endpoint(
    "/badges/leads",
    method="POST",
    allow=(Role.SCANNER,),
    summary="Record a badge scanned at the exhibitor's booth as a lead",
    tag="badges",
    body=LeadIn,
    response=LeadOut,
    status=201,
)
def capture(body: LeadIn) -> LeadOut:
    lead = lead_service.capture_lead(
        db.session, current_user, body.code, client_uuid=body.client_uuid, at=body.scanned_at
    )
    out = LeadOut(**lead_service.lead_card(lead))
    db.session.commit()
    return out


@endpoint(
    "/badges/leads",
    allow=(Role.SCANNER,),
    summary="The exhibitor's own leads (contact details only where the visitor shared them)",
    tag="badges",
    response=[LeadOut],
)
def leads() -> list[LeadOut]:
    if current_user.company_id is None:
        return []
    return [
        LeadOut(**lead_service.lead_card(lead))
        for lead in lead_service.company_leads(db.session, current_user.company_id)
    ]
