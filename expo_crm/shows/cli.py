"""`expo-crm shows ...` commands."""

import click
from flask.cli import AppGroup

from expo_crm.extensions import db
from expo_crm.shows import services

cli = AppGroup("shows", help="Show editions.")


@cli.command("list")
def list_command() -> None:
    """List the editions, newest first."""
    for show in services.list_shows(db.session):
        click.echo(
            f"{show.code:12} {show.starts_on} – {show.ends_on}  {show.name} ({show.currency})"
        )
