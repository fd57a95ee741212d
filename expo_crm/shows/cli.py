"""`expo-crm shows ...` commands."""

import click
from flask.cli import AppGroup

from expo_crm.extensions import db
from expo_crm.shows import services

cli = AppGroup("shows", help="Show editions.")


@cli.command("list")
def list_command() -> None:
    """List the editions, newest first (archived ones marked)."""
    for show in services.list_shows(db.session, include_archived=True):
        archived = "  [archived]" if show.is_archived else ""
        click.echo(
            f"{show.code:12} {show.starts_on} – {show.ends_on}  {show.name} ({show.currency})"
            f"{archived}"
        )


def _change(code: str, action: str) -> None:
    from expo_crm.errors import DomainError

    try:
        show = services.get_show(db.session, code)
        getattr(services, f"{action}_show")(db.session, show)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{show.code} {action.rstrip('e')}ed.")


@cli.command("delete")
@click.argument("code")
def delete_command(code: str) -> None:
    """Delete an edition created by mistake (only one that holds no data)."""
    _change(code, "delete")


@cli.command("archive")
@click.argument("code")
def archive_command(code: str) -> None:
    """Archive an edition: its data stays, it leaves the lists and the figures."""
    _change(code, "archive")


@cli.command("restore")
@click.argument("code")
def restore_command(code: str) -> None:
    """Bring an archived edition back."""
    _change(code, "restore")
