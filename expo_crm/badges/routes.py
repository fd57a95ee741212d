"""Back-office pages of the badges domain."""

from flask import Blueprint

bp = Blueprint("badges", __name__, url_prefix="/badges")
