"""/api/v1/shows"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from expo_crm.api import endpoint
from expo_crm.auth.roles import STAFF
from expo_crm.extensions import db
from expo_crm.shows import services


class ShowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    year: int
    venue: str
    city: str
    country: str
    starts_on: date
    ends_on: date
    currency: str


@endpoint("/shows", allow=STAFF, summary="List show editions", tag="shows", response=[ShowOut])
def list_shows() -> list[ShowOut]:
    return [ShowOut.model_validate(s) for s in services.list_shows(db.session)]


@endpoint("/shows/<code>", allow=STAFF, summary="One show edition", tag="shows", response=ShowOut)
def get_show(code: str) -> ShowOut:
    return ShowOut.model_validate(services.get_show(db.session, code))
