"""`expo-crm followup ...` commands: backtest the prospect ranking, print KPIs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from expo_crm.errors import DomainError

cli = AppGroup("followup", help="After the show: KPIs, prospect mining and its backtest.")


@cli.command("backtest")
@click.option("--show", "show_code", required=True, help="Edition S whose visitors are ranked.")
@click.option("--k", "ks", multiple=True, type=int, default=(20, 50, 100), show_default=True)
@click.option("--seed", default=42, show_default=True, help="Seed of the random baseline.")
def backtest_command(show_code: str, ks: tuple[int, ...], seed: int) -> None:
    """Rank companies that visited S without exhibiting; count who exhibited at S+1."""
    from expo_crm.extensions import db
    from expo_crm.followup import prospects
    from expo_crm.shows.services import get_show

    try:
        show = get_show(db.session, show_code)
        result = prospects.backtest(db.session, show, ks=tuple(sorted(ks)), seed=seed)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Backtest {result.show_code} → {result.next_code}: {result.candidates} companies "
        f"visited without exhibiting; {result.exhibited_next} of them exhibited at "
        f"{result.next_code} (base rate {result.base_rate:.1%})."
    )
    header = "ranking    " + "".join(f"{'top ' + str(k):>12}" for k in result.ks)
    click.echo(header)
    for name, label in (("score", "score"), ("visitors", "visitor count"), ("random", "random")):
        cells = "".join(
            f"{result.hits[name][k]:>5} ({result.hits[name][k] / k:>4.0%})" for k in result.ks
        )
        click.echo(f"{label:<11}{cells}")


@cli.command("kpis")
@click.option("--basis", type=click.Choice(["area", "spend"]), default="area")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list, one object per edition (amounts and areas as decimal strings).",
)
def kpis_command(basis: str, as_json: bool) -> None:
    """Print the KPIs of every edition, oldest first."""
    import json

    from expo_crm.extensions import db
    from expo_crm.followup import kpis

    trend = kpis.trend(db.session, basis)
    if as_json:
        click.echo(json.dumps([kpis.as_json(k) for k in trend], indent=2, ensure_ascii=False))
        return
    for k in trend:
        rate = f"{k.rebooking_rate:.0%}" if k.rebooking_rate is not None else "-"
        lost = f"-{k.lost}" if k.opened else f"{k.not_yet_rebooked} not yet rebooked"
        click.echo(
            f"{k.show_code}: {k.exhibitors} exhibitors (+{k.new} / {lost}, "
            f"{k.upgraded} up, {k.downgraded} down, rebooking {rate}), {k.net_m2} m², "
            f"revenue {k.revenue}; {k.visitors} visitors, {k.conversions} conversions"
        )
