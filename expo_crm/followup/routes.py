"""Back-office pages of the followup domain."""

from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/followup")
