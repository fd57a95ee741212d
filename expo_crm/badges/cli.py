"""`expo-crm badges ...` commands."""

from flask.cli import AppGroup

cli = AppGroup("badges", help="Badges commands.")
