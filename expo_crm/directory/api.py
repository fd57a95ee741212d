"""/api/v1/companies and /api/v1/people"""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from expo_crm.api import endpoint
from expo_crm.api.paging import PageOut, PageQuery, paged
from expo_crm.auth.roles import STAFF, Role
from expo_crm.directory import services
from expo_crm.directory.models import Activity
from expo_crm.extensions import db

EDITORS = (Role.SALES, Role.FINANCE)


class CompanyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    website: str | None = Field(default=None, max_length=300)
    industry: str | None = Field(default=None, max_length=100)
    activity: Activity | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    city: str | None = Field(default=None, max_length=100)
    address: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    employees: int | None = Field(default=None, ge=0)
    is_member: bool = False


class CompanyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    website: str | None = Field(default=None, max_length=300)
    industry: str | None = Field(default=None, max_length=100)
    activity: Activity | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    city: str | None = Field(default=None, max_length=100)
    address: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    employees: int | None = Field(default=None, ge=0)
    is_member: bool | None = None


class CompanyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    domain: str | None
    website: str | None
    industry: str | None
    activity: Activity | None
    country: str | None
    city: str | None
    employees: int | None
    is_member: bool
    updated_at: datetime


class CompanyList(PageOut):
    items: list[CompanyOut]


class CompanyQuery(PageQuery):
    q: str | None = Field(default=None, description="Search in names and domains")
    country: str | None = None


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=200)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    is_booking_contact: bool = False


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    title: str | None
    email: str | None
    phone: str | None
    company_id: int | None
    is_booking_contact: bool


def _normalize_country(values: dict) -> dict:
    if values.get("country"):
        values["country"] = values["country"].upper()
    return values


@endpoint(
    "/companies",
    allow=STAFF,
    summary="Search companies",
    tag="companies",
    query=CompanyQuery,
    response=CompanyList,
)
def list_companies(query: CompanyQuery) -> CompanyList:
    statement = services.company_query(query.q, country=query.country)
    return CompanyList(**paged(statement, query, CompanyOut.model_validate))


@endpoint(
    "/companies",
    method="POST",
    allow=EDITORS,
    summary="Create a company",
    tag="companies",
    body=CompanyIn,
    response=CompanyOut,
    status=201,
)
def create_company(body: CompanyIn) -> CompanyOut:
    company = services.create_company(
        db.session, current_user, **_normalize_country(body.model_dump())
    )
    db.session.commit()
    return CompanyOut.model_validate(company)


@endpoint(
    "/companies/<int:company_id>",
    allow=STAFF,
    summary="One company",
    tag="companies",
    response=CompanyOut,
)
def get_company(company_id: int) -> CompanyOut:
    return CompanyOut.model_validate(services.get_company(db.session, company_id))


@endpoint(
    "/companies/<int:company_id>",
    method="PATCH",
    allow=EDITORS,
    summary="Change a company (kept in its edit history)",
    tag="companies",
    body=CompanyPatch,
    response=CompanyOut,
)
def patch_company(company_id: int, body: CompanyPatch) -> CompanyOut:
    company = services.get_company(db.session, company_id)
    services.update_company(
        db.session, company, current_user, **_normalize_country(body.model_dump(exclude_unset=True))
    )
    db.session.commit()
    return CompanyOut.model_validate(company)


@endpoint(
    "/companies/<int:company_id>/people",
    allow=STAFF,
    summary="A company's contacts",
    tag="companies",
    response=[PersonOut],
)
def list_contacts(company_id: int) -> list[PersonOut]:
    company = services.get_company(db.session, company_id)
    return [PersonOut.model_validate(p) for p in services.company_contacts(db.session, company)]


@endpoint(
    "/companies/<int:company_id>/people",
    method="POST",
    allow=EDITORS,
    summary="Add a contact to a company",
    tag="companies",
    body=PersonIn,
    response=PersonOut,
    status=201,
)
def add_contact(company_id: int, body: PersonIn) -> PersonOut:
    company = services.get_company(db.session, company_id)
    person = services.create_person(
        db.session, current_user, company_id=company.id, **body.model_dump()
    )
    db.session.commit()
    return PersonOut.model_validate(person)
