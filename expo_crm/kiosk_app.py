"""The kiosk's server side: the ``kiosk/`` front end over the visitors and badges services."""

from __future__ import annotations

from flask import Blueprint, render_template

from expo_crm import resource_dir
from expo_crm.auth.roles import Role, roles

bp = Blueprint(
    "kiosk",
    __name__,
    url_prefix="/kiosk",
    static_folder=str(resource_dir("kiosk")),
    static_url_path="/assets",
)


@bp.get("/")
@roles(Role.KIOSK, Role.ONSITE)
def welcome() -> str:
    return render_template("kiosk/welcome.html")
