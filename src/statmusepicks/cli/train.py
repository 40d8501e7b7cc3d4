"""`statmusepicks train`: fit, register and report models (quick default set or the full run)."""

from __future__ import annotations

import typer
from rich.table import Table

from statmusepicks.cli.clock import parse_as_of
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.settings import get_settings
from statmusepicks.services.training import has_champions
from statmusepicks.services.training import train as train_models

FULL_TRIALS = 50


def _csv(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def train(
    stats: str | None = typer.Option(
        None, "--stats", help="Comma-separated stats (default: points..turnovers)."
    ),
    players: str | None = typer.Option(
        None, "--players", help="Comma-separated NBA player ids for per-player models."
    ),
    trials: int | None = typer.Option(
        None,
        "--trials",
        min=0,
        help=f"Optuna trials per stat, run in its global fit (default {FULL_TRIALS}; 0 --quick).",
    ),
    quick: bool = typer.Option(
        False, "--quick", help="Global models only, small ensembles: a few minutes on 2 cores."
    ),
    if_missing: bool = typer.Option(
        False, "--if-missing", help="Do nothing when champions are registered (`make run`)."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Train only on rows dated before this day (YYYY-MM-DD)."
    ),
) -> None:
    """Train models, register them in MLflow (champion/challenger) and write a report."""
    if if_missing and has_champions(get_settings()):
        console.print("champion models already registered: nothing to train")
        return
    try:
        player_ids = [int(p) for p in _csv(players) or []]
    except ValueError as exc:
        raise typer.BadParameter("--players takes NBA player ids, e.g. 2544,201939") from exc
    moment = parse_as_of(as_of, get_settings()) if as_of else None
    with open_container() as container:
        try:
            summary = train_models(
                container,
                stats=_csv(stats),
                players=player_ids or None,
                trials=trials if trials is not None else (0 if quick else FULL_TRIALS),
                quick=quick,
                progress=True,
                as_of=moment,
            )
        except StatMusePicksError as exc:
            console.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(code=2) from exc
    table = Table("model", "version")
    for name, version in sorted(summary.versions.items()):
        table.add_row(name, version)
    console.print(table)
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in summary.seconds.items())
    console.print(f"training time ({'quick' if quick else 'full'}): {timing}")
    if summary.failures:
        console.print(
            f"[yellow]{len(summary.failures)} task(s) failed[/yellow] "
            f"(see the report): {', '.join(summary.failures[:10])}"
        )
    console.print(f"report: {summary.report.get('report')}")
