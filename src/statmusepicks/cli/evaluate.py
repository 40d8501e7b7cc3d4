"""`statmusepicks evaluate`: point MAE against baselines and line probabilities vs the market."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import typer
from rich.table import Table

from statmusepicks.cli.common import console, open_container
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.services.evaluation import LINE_CUTOFF
from statmusepicks.services.evaluation import evaluate as run_evaluation


def _table(frame: pd.DataFrame, title: str, digits: int = 4) -> Table:
    table = Table(*map(str, frame.columns), title=title)
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row))
    return table


def evaluate(
    stats: str | None = typer.Option(None, "--stats", help="Comma-separated base stats."),
    line_cutoff: str = typer.Option(
        LINE_CUTOFF.isoformat(), help="Lines before this date calibrate; lines after are scored."
    ),
    no_players: bool = typer.Option(False, "--no-players", help="Skip per-player models."),
    player_stats: str = typer.Option(
        "points", help="Stats that get per-player models (each adds ~1,400 small fits)."
    ),
) -> None:
    """Train on the evaluation protocol and print the figures (also written as a report)."""
    try:
        cutoff = dt.date.fromisoformat(line_cutoff)
    except ValueError as exc:
        raise typer.BadParameter("--line-cutoff takes YYYY-MM-DD") from exc
    chosen = [s.strip() for s in stats.split(",")] if stats else None
    with open_container() as container:
        try:
            result = run_evaluation(
                container,
                stats=chosen,
                line_cutoff=cutoff,
                per_player=not no_players,
                player_stats=tuple(s.strip() for s in player_stats.split(",") if s.strip()),
                progress=True,
            )
        except StatMusePicksError as exc:
            console.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(code=2) from exc
    console.print(_table(result.points, "Point MAE, 2024-25 test season (same rows)", 3))
    console.print(_table(result.distributions, "Predictive distributions (validation, test PIT)"))
    if not result.lines.empty:
        console.print(_table(result.lines, f"P(over) on 2025-26 main lines from {cutoff}"))
        console.print(_table(result.stacking, "Market stacking weights (fitted before cutoff)"))
    for alarm in result.alarms:
        console.print(f"[red]LEAKAGE ALARM:[/red] {alarm}")
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    console.print(f"time: {timing}")
    console.print(
        f"report: {result.paths.get('report')}  diagram: {result.paths.get('reliability')}"
    )
