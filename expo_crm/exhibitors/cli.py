"""`expo-crm exhibitors ...` commands."""

from flask.cli import AppGroup

cli = AppGroup("exhibitors", help="Exhibitors commands.")
