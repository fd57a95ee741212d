"""`expo-crm mail ...` commands."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from expo_crm.mail import delivery

cli = AppGroup("mail", help="Outgoing mail: deliver the outbox.")


@cli.command("send")
@click.option("--loop", is_flag=True, help="Keep delivering, waking up every --every seconds.")
@click.option("--every", default=30.0, show_default=True, help="Seconds between runs with --loop.")
def send_command(loop: bool, every: float) -> None:
    """Deliver the messages that are due (needs SMTP_HOST)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if delivery.SmtpSettings.from_config(app.config) is None:
        raise click.ClickException("Set SMTP_HOST to send; without it messages stay queued.")
    while True:
        run = delivery.deliver_due(app)
        click.echo(
            f"sent {run.sent}, retry later {run.retried}, failed {run.failed}, "
            f"interrupted {run.unsure}"
        )
        if not loop:
            return
        time.sleep(every)
