"""`expo-crm followup ...` commands."""

from flask.cli import AppGroup

cli = AppGroup("followup", help="Followup commands.")
