"""The ``expo-crm`` console command: Flask's CLI with one group of subcommands per domain."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext


def _create_app():  # type: ignore[no-untyped-def]
    from expo_crm import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    help="Expo CRM: run the server, migrate the database, build demo data, and more.",
)
def main() -> None:
    pass


@click.command("demo")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=int,
    help="Multiply the demo's size (10 builds the benchmark database).",
)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--reset/--no-reset", default=False, help="Drop and recreate every table first.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if data exists.")
@with_appcontext
def demo_command(scale: int, seed: int, reset: bool, if_empty: bool) -> None:
    """Fill the database with a realistic show series (past editions and the current one)."""
    from expo_crm import demo
    from expo_crm.extensions import db

    if reset:
        db.drop_all()
        from flask_migrate import stamp, upgrade

        stamp(revision="base")
        upgrade()
    elif demo.has_data(db.session):
        if if_empty:
            click.echo("The database already has data; keeping it.")
            return
        raise click.ClickException("The database already has data; use --reset to rebuild it.")
    summary = demo.build(db.session, scale=scale, seed=seed, progress=click.echo)
    db.session.commit()
    click.echo("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    click.echo("Sign in with any of (password 'demo-pass'):")
    for email, role in demo.DEMO_USERS:
        click.echo(f"  {email:28} {role}")
