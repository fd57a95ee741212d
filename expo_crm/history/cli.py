"""`expo-crm history ...` commands: import past exhibitor lists, review uncertain matches."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

cli = AppGroup("history", help="A show's past: import earlier editions' exhibitor lists.")


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("give the date as YYYY-MM-DD") from None


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show", "show_code", required=True, help="Edition code, e.g. EXPO2019.")
@click.option("--name", default=None, help="The edition's name, when it is new.")
@click.option(
    "--opens", default=None, callback=_date, help="First day (YYYY-MM-DD), when it is new."
)
@click.option("--encoding", default=None, help="Text encoding of a CSV that is not UTF-8.")
def import_command(
    file: Path, show_code: str, name: str | None, opens: date | None, encoding: str | None
) -> None:
    """Import FILE (CSV or Excel), an edition's exhibitor list, into the edition --show."""
    from expo_crm.errors import DomainError
    from expo_crm.extensions import db
    from expo_crm.history import importer

    try:
        result = importer.import_list(
            db.session,
            file.read_bytes(),
            file.name,
            show_code,
            name=name,
            opens=opens,
            encoding=encoding,
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    if result.created_show:
        click.echo(f"Edition {result.show_code} created.")
    if not result.changed:
        click.echo(
            f"Nothing changed: all {result.names} names of {file.name} are already recorded "
            f"at {result.show_code} as the file gives them."
        )
    else:
        click.echo(
            f"{file.name} → {result.show_code}: {result.lines} lines, {result.names} companies; "
            f"{result.matched} matched to the directory, {result.created} created; "
            f"{result.added} participations added, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
    for warning in result.warnings:
        click.echo(f"Note: {warning}")
    if result.uncertain:
        click.echo(
            f"{len(result.uncertain)} uncertain: kept apart until someone decides "
            "(expo-crm history review, or the review page):"
        )
        for u in result.uncertain:
            click.echo(
                f"  “{u.listed_name}” (new company {u.company_id}) may be "
                f"“{u.candidate_name}” (company {u.candidate_id}), {u.score:.0f}/100: {u.reason}"
            )


@cli.command("review")
@click.option("--same", "same_id", type=int, default=None, help="Listed name id: same company.")
@click.option("--different", "different_id", type=int, default=None, help="Listed name id: not it.")
def review_command(same_id: int | None, different_id: int | None) -> None:
    """List uncertain matches, or decide one (--same ID / --different ID)."""
    from expo_crm.errors import DomainError
    from expo_crm.extensions import db
    from expo_crm.history import review

    if same_id is not None or different_id is not None:
        if same_id is not None and different_id is not None:
            raise click.UsageError("Give --same or --different, not both.")
        chosen = same_id if same_id is not None else different_id
        try:
            company = review.decide(db.session, chosen or 0, same_id is not None, None)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(f"Decided: it counts for {company.name} (company {company.id}).")
        return
    waiting = review.pending(db.session, limit=1000)
    if not waiting:
        click.echo("No uncertain matches.")
        return
    click.echo(f"{review.pending_count(db.session)} uncertain matches:")
    for m in waiting:
        click.echo(
            f"  [{m.participation_id}] {m.show_code}: “{m.listed_name}” "
            f"({m.country or '?'}, {m.domain or 'no website'}) may be “{m.candidate_name}” "
            f"({m.candidate_country or '?'}, {m.candidate_domain or 'no website'}, "
            f"{m.candidate_editions} editions), {m.score or 0:.0f}/100"
        )
