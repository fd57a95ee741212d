"""Back-office pages of the visitors domain."""

from flask import Blueprint

bp = Blueprint("visitors", __name__, url_prefix="/visitors")
