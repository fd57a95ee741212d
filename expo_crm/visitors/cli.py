"""`expo-crm visitors ...` commands."""

from flask.cli import AppGroup

cli = AppGroup("visitors", help="Visitors commands.")
