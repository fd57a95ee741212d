"""/api/v1 endpoints of the visitors domain: registrations of a show, registering, accuracy.

Registering goes through the same ``register_visitor`` service as the kiosk and the
pre-registration page, so the same dedupe (confirmation code, email, phone) and the same
questionnaire and consent rules apply. A kiosk device may register the visitor in front
of it but never read registrations back: its answer says only who was registered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from expo_crm.api import endpoint
from expo_crm.api.paging import PageOut, PageQuery, paged
from expo_crm.auth.roles import Role
from expo_crm.errors import DomainError, ValidationError
from expo_crm.extensions import db
from expo_crm.shows.services import get_show
from expo_crm.visitors import accuracy, contacts, registering, registrations
from expo_crm.visitors.models import Registration, RegistrationSource, VisitorCategory

#: Staff who read visitor data (finance works with exhibitors' money, not visitors).
READERS = (Role.SALES, Role.ONSITE)
#: Who registers visitors: the on-site desk and kiosk devices.
REGISTRARS = (Role.ONSITE, Role.KIOSK)
#: Categories a kiosk may give (exhibitor staff and VIPs are set by staff), as on its page.
KIOSK_CATEGORIES = (VisitorCategory.TRADE, VisitorCategory.PUBLIC, VisitorCategory.PRESS)


class RegistrationOut(BaseModel):
    id: int
    show_code: str
    person_id: int
    name: str
    title: str | None
    email: str | None
    phone: str | None
    company_id: int | None
    company: str | None
    category: VisitorCategory
    source: RegistrationSource
    industry: str | None
    job_function: str | None
    purchasing_role: str | None
    answers: dict[str, Any]
    consent_marketing: bool
    consent_share: bool
    checked_in_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, registration: Registration) -> RegistrationOut:
        person, company = registration.person, registration.company
        return cls(
            id=registration.id,
            show_code=registration.show.code,
            person_id=person.id,
            name=person.full_name,
            title=person.title,
            email=person.email,
            phone=person.phone,
            company_id=registration.company_id,
            company=company.name if company else None,
            category=registration.category,
            source=registration.source,
            industry=registration.industry,
            job_function=registration.job_function,
            purchasing_role=registration.purchasing_role,
            answers=registration.answers or {},
            consent_marketing=bool(registration.consent_marketing),
            consent_share=bool(registration.consent_share),
            checked_in_at=registration.checked_in_at,
            created_at=registration.created_at,
        )


class RegistrationList(PageOut):
    items: list[RegistrationOut]


class RegistrationQuery(PageQuery):
    q: str | None = Field(
        default=None, max_length=200, description="Search names, emails, phones, companies, codes"
    )
    category: VisitorCategory | None = None
    source: RegistrationSource | None = None


class Consents(BaseModel):
    model_config = ConfigDict(extra="forbid")

    marketing: bool = False
    share: bool = Field(default=False, description="Share contact details with exhibitors")


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    company: str | None = Field(default=None, max_length=300)
    emails: list[str] = Field(default_factory=list, max_length=5)
    phones: list[str] = Field(default_factory=list, max_length=5)
    website: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=500)
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    category: VisitorCategory = VisitorCategory.TRADE
    answers: dict[str, Any] = Field(default_factory=dict)
    consents: Consents = Field(default_factory=Consents)
    language: str = Field(
        default="en", max_length=20, description="The language the consents were shown in"
    )
    confirmation_code: str | None = Field(
        default=None, max_length=40, description="Of an online pre-registration"
    )


class RegistrationReceipt(BaseModel):
    registration_id: int
    person_id: int
    name: str
    category: VisitorCategory
    #: The person was already known (by confirmation code, email or phone).
    returning: bool


class FieldAccuracyOut(BaseModel):
    field: str
    confirmed: int
    corrected: int
    missed: int
    wrong: int
    correction_rate: float


class CaptureAccuracyOut(BaseModel):
    show_code: str
    captures: int
    confirmed: int
    fields: list[FieldAccuracyOut]


@endpoint(
    "/shows/<show_code>/registrations",
    allow=READERS,
    summary="Search the registrations of a show edition",
    tag="visitors",
    query=RegistrationQuery,
    response=RegistrationList,
)
def list_registrations(show_code: str, query: RegistrationQuery) -> RegistrationList:
    show = get_show(db.session, show_code)
    statement = registrations.registrations_query(
        show,
        search=query.q,
        category=query.category.value if query.category else None,
        source=query.source.value if query.source else None,
    )
    return RegistrationList(**paged(statement, query, RegistrationOut.of))


@endpoint(
    "/registrations/<int:registration_id>",
    allow=READERS,
    summary="One registration",
    tag="visitors",
    response=RegistrationOut,
)
def get_registration(registration_id: int) -> RegistrationOut:
    return RegistrationOut.of(registrations.get_registration(db.session, registration_id))


@endpoint(
    "/shows/<show_code>/registrations",
    method="POST",
    allow=REGISTRARS,
    summary="Register a visitor (a known person is recognised, never duplicated)",
    tag="visitors",
    body=RegistrationIn,
    response=RegistrationReceipt,
    status=201,
)
def register(show_code: str, body: RegistrationIn) -> RegistrationReceipt:
    show = get_show(db.session, show_code)
    is_kiosk = current_user.role is Role.KIOSK
    if is_kiosk and body.category not in KIOSK_CATEGORIES:
        raise ValidationError(
            "category", _("A kiosk registers trade visitors, the public and the press.")
        )
    if body.language not in current_app.config["LANGUAGES"]:
        raise ValidationError(
            "language",
            _(
                "Unknown language; use one of: %(languages)s.",
                languages=", ".join(current_app.config["LANGUAGES"]),
            ),
        )
    fields = body.model_dump(include=set(contacts.CARD_FIELDS) | {"country"})
    try:
        registration = registering.register_visitor(
            db.session,
            show,
            fields,
            body.answers,
            body.consents.model_dump(),
            RegistrationSource.KIOSK if is_kiosk else RegistrationSource.ONSITE_DESK,
            current_user,
            category=body.category,
            language=body.language,
            confirmation_code=body.confirmation_code,
        )
    except DomainError:
        db.session.rollback()  # a company made before the refusal must not stay
        raise
    db.session.commit()
    return RegistrationReceipt(
        registration_id=registration.id,
        person_id=registration.person_id,
        name=registration.person.full_name,
        category=registration.category,
        returning=not registration.is_new_person,
    )


@endpoint(
    "/shows/<show_code>/capture-accuracy",
    allow=(Role.SALES,),
    summary="How often kiosk visitors corrected the card reader, per field",
    tag="visitors",
    response=CaptureAccuracyOut,
)
def capture_accuracy(show_code: str) -> CaptureAccuracyOut:
    show = get_show(db.session, show_code)
    counts = accuracy.capture_counts(db.session, show)
    return CaptureAccuracyOut(
        show_code=show.code,
        captures=counts["captures"],
        confirmed=counts["confirmed"],
        fields=[
            FieldAccuracyOut(
                field=a.field,
                confirmed=a.confirmed,
                corrected=a.corrected,
                missed=a.missed,
                wrong=a.wrong,
                correction_rate=round(a.correction_rate, 4),
            )
            for a in accuracy.capture_accuracy(db.session, show)
        ],
    )
