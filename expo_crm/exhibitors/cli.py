"""`expo-crm exhibitors ...` commands: nightly housekeeping and booth import."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from expo_crm.errors import DomainError
from expo_crm.extensions import db

cli = AppGroup("exhibitors", help="Booths, quotes and contracts.")


@cli.command("expire")
def expire_command() -> None:
    """Expire quotes past their validity and release booths whose hold ran out (run nightly)."""
    from expo_crm.exhibitors import services

    quotes = services.expire_quotes(db.session)
    holds = services.release_expired_holds(db.session)
    db.session.commit()
    click.echo(f"{quotes} quotes expired, {holds} holds released.")


@cli.command("import-booths")
@click.argument("show_code")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_booths_command(show_code: str, csv_file: Path) -> None:
    """Create an edition's booths from a CSV file (all or nothing)."""
    from expo_crm.exhibitors import services
    from expo_crm.shows.services import get_show

    try:
        count = services.import_booths_csv(
            db.session, get_show(db.session, show_code), csv_file.read_text(encoding="utf-8-sig")
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{count} booths imported into {show_code.upper()}.")
