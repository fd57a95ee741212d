"""`expo-crm followup ...` commands: backtest the prospect ranking, print KPIs."""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import AppGroup

from expo_crm.errors import DomainError

cli = AppGroup(
    "followup", help="After the show: KPIs, prospects, rebooking risk, backtests, learning."
)


#: How backtests name each ranking.
LABELS = {
    "hand": "hand weights",
    "learned": "learned model",
    "editions": "editions attended",
    "visitors": "visitor count",
    "random": "random",
}


def _print_backtest(result: Any, what: str) -> None:
    """Print a backtest: every ranking side by side (ROC AUC and how many of its top K)."""
    opened = "" if result.next_opened else f" ({result.next_code} has not opened: so far)"
    click.echo(
        f"{what} backtest {result.show_code} → {result.next_code}{opened}: "
        f"{result.companies} companies, {result.outcomes} with the outcome "
        f"(base rate {result.base_rate:.1%})."
    )
    if result.learned_note:
        click.echo(f"No learned model: {result.learned_note}")
    elif result.trained_on:
        click.echo(
            f"Learned model fitted on {', '.join(result.trained_on)} (each → the next edition)."
        )
    ks = sorted(result.rankings[0].top) if result.rankings else []
    click.echo(f"{'ranking':<18}{'ROC AUC':>8}" + "".join(f"{'top ' + str(k):>13}" for k in ks))
    for ranking in result.rankings:
        auc = f"{ranking.auc:.3f}" if ranking.auc is not None else "-"
        cells = "".join(f"{ranking.top[k]:>6} ({ranking.top[k] / k:>4.0%})" for k in ks)
        click.echo(f"{LABELS.get(ranking.name, ranking.name):<18}{auc:>8}{cells}")


def _run_backtest(show_code: str, ks: tuple[int, ...], seed: int, question: Any) -> Any:
    from expo_crm.extensions import db
    from expo_crm.followup import learning
    from expo_crm.shows.services import get_show

    try:
        show = get_show(db.session, show_code)
        return learning.backtest(db.session, question, show, seed=seed, ks=tuple(sorted(ks)))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc


@cli.command("backtest")
@click.option("--show", "show_code", required=True, help="Edition S whose visitors are ranked.")
@click.option("--k", "ks", multiple=True, type=int, default=(20, 50, 100), show_default=True)
@click.option("--seed", default=42, show_default=True, help="Seed of the random baseline.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def backtest_command(show_code: str, ks: tuple[int, ...], seed: int, as_json: bool) -> None:
    """Rank companies that visited S without exhibiting; count who exhibited at S+1."""
    from expo_crm.followup import prospects

    result = _run_backtest(show_code, ks, seed, prospects.question())
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(
        f"{result.companies} companies visited {result.show_code} without exhibiting; "
        f"{result.outcomes} of them exhibited at {result.next_code}."
    )
    _print_backtest(result, "Prospect")


@cli.command("rebooking-backtest")
@click.option("--show", "show_code", required=True, help="Edition S whose exhibitors are ranked.")
@click.option("--k", "ks", multiple=True, type=int, default=(20, 50, 100), show_default=True)
@click.option("--seed", default=42, show_default=True, help="Seed of the random baseline.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def rebooking_backtest_command(
    show_code: str, ks: tuple[int, ...], seed: int, as_json: bool
) -> None:
    """Rank S's exhibitors by rebooking risk with what was known at S; count who lapsed."""
    from expo_crm.followup import rebooking

    result = _run_backtest(show_code, ks, seed, rebooking.question())
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(
        f"{result.companies} exhibitors of {result.show_code}; {result.outcomes} of them did "
        f"not exhibit at {result.next_code}."
    )
    _print_backtest(result, "Rebooking")


@cli.command("learn")
@click.option(
    "--what",
    type=click.Choice(["prospects", "rebooking", "both"]),
    default="both",
    show_default=True,
)
def learn_command(what: str) -> None:
    """Fit weights on the show's history; keep them only if backtests prove them better."""
    from expo_crm.extensions import db
    from expo_crm.followup import learning, prospects, rebooking

    questions = {"prospects": prospects.question, "rebooking": rebooking.question}
    for kind in ("prospects", "rebooking") if what == "both" else (what,):
        record = learning.learn(db.session, questions[kind]())
        db.session.commit()
        means = ", ".join(
            f"{LABELS.get(k, k)} {v:.3f}" for k, v in sorted(record.evaluation["mean_auc"].items())
        )
        click.echo(
            f"{kind}: {record.evaluation['reason']}" + (f" Mean AUC: {means}." if means else "")
        )


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
