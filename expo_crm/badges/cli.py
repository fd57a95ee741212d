"""`expo-crm badges ...` commands."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from expo_crm.extensions import db

cli = AppGroup("badges", help="Badges: bulk printing, attendance, lead counts.")


@cli.command("print")
@click.option("--show", "show_code", required=True, help="Edition code, e.g. EXPO2026.")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
@click.option(
    "--order", type=click.Choice(["surname", "company"]), default="surname", show_default=True
)
@click.option("--unprinted-only", is_flag=True, help="Skip badges printed before.")
@click.option("--processes", type=int, default=None, help="Rendering processes (default: cores).")
def print_command(
    show_code: str, out: Path, order: str, unprinted_only: bool, processes: int | None
) -> None:
    """Print every pre-registered badge of an edition into one PDF."""
    from expo_crm.badges import printing
    from expo_crm.errors import DomainError
    from expo_crm.shows.services import get_show

    try:
        show = get_show(db.session, show_code)
        badges = printing.bulk_badges(db.session, show, order=order, unprinted_only=unprinted_only)
        if not badges:
            raise click.ClickException(f"{show.code} has no pre-registered badges to print.")
        started = time.perf_counter()
        with click.progressbar(length=len(badges), label=f"Rendering {len(badges)} badges") as bar:
            seen = [0]

            def progress(done: int, total: int) -> None:
                bar.update(done - seen[0])
                seen[0] = done

            document, reprints = printing.bulk_pdf(
                db.session, badges, processes=processes, progress=progress
            )
        out.write_bytes(document)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    elapsed = time.perf_counter() - started
    click.echo(
        f"Wrote {len(badges)} badges to {out} in {elapsed:.1f} s "
        f"({len(badges) / elapsed:.0f} badges/s)."
    )
    if reprints:
        click.echo(f"Warning: {reprints} of these badges had been printed before.", err=True)


@cli.command("attendance")
@click.option("--show", "show_code", required=True)
def attendance_command(show_code: str) -> None:
    """Print check-ins per day and gate."""
    from expo_crm.badges import checkin
    from expo_crm.shows.services import get_show

    show = get_show(db.session, show_code)
    for row in checkin.attendance(db.session, show.id):
        click.echo(
            f"{row['day']}  {row['gate']:20} {row['scans']:7} scans {row['people']:7} people"
        )


@cli.command("leads")
@click.option("--show", "show_code", required=True)
def leads_command(show_code: str) -> None:
    """Print lead counts per exhibitor."""
    from expo_crm.badges import leads
    from expo_crm.shows.services import get_show

    show = get_show(db.session, show_code)
    for row in leads.leads_by_exhibitor(db.session, show.id):
        click.echo(
            f"{row['leads']:6} leads ({row['hot']} hot, {row['warm']} warm, {row['cold']} cold)"
            f"  {row['company']}"
        )
