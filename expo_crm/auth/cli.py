"""`expo-crm users ...` commands."""

import click
from flask.cli import AppGroup

from expo_crm.auth import services
from expo_crm.auth.roles import Role
from expo_crm.errors import DomainError
from expo_crm.extensions import db

cli = AppGroup("users", help="Staff accounts.")


@cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--company-id", type=int, default=None, help="For exhibitor scanners.")
@click.password_option()
def create(email: str, name: str, role: str, company_id: int | None, password: str) -> None:
    """Create a staff user."""
    try:
        services.create_user(
            db.session,
            email=email,
            name=name,
            password=password,
            role=Role(role),
            company_id=company_id,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {role} user {email}.")


@cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
def token(email: str, name: str) -> None:
    """Issue an API token for a user and print it once."""
    from sqlalchemy import select

    from expo_crm.auth.models import User

    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None:
        raise click.ClickException(f"No user {email}.")
    click.echo(services.issue_token(db.session, user, name))
    db.session.commit()
