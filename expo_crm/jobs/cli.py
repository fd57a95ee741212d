"""`expo-crm jobs ...` commands."""

import click
from flask import current_app
from flask.cli import AppGroup

from expo_crm.jobs.services import QUEUE_NAME

cli = AppGroup("jobs", help="Long jobs: the queue worker.")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Serve the job queue (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("Set REDIS_URL to use a queue; without it jobs run inline.")
    connection = Redis.from_url(url)
    # The scheduler runs jobs enqueued for later (mail retries after a back-off).
    Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(
        burst=burst, with_scheduler=True
    )
