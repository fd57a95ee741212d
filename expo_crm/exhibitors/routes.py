"""Back-office pages of the exhibitors domain."""

from flask import Blueprint

bp = Blueprint("exhibitors", __name__, url_prefix="/exhibitors")
