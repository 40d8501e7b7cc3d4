"""`statmusepicks ab start|status|stop`: A/B tests of a challenger model against the champion."""

from __future__ import annotations

import typer
from rich.table import Table

from statmusepicks.cli.clock import now
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.services.ab_results import ExperimentResult, evaluate_experiment
from statmusepicks.services.experiments import experiments, start_experiment, stop_experiment

app = typer.Typer(
    help="A/B tests: serve a challenger to a share of props, compare it on the same props.",
    no_args_is_help=True,
)


def _fail(exc: StatMusePicksError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(code=2)


@app.command("start")
def start_command(
    stat: str = typer.Option(..., "--stat", help="The stat tested, e.g. points."),
    challenger: str = typer.Option(
        ..., "--challenger", help="NAME:VERSION, e.g. smp-points-player:3"
    ),
    share: float = typer.Option(
        0.5, "--share", min=0.01, max=0.99, help="Share served the challenger."
    ),
) -> None:
    """Start serving a challenger to a share of the stat's props (both arms price every prop)."""
    with open_container() as container:
        try:
            row = start_experiment(
                container, stat=stat, challenger=challenger, share=share, now=now()
            )
        except StatMusePicksError as exc:
            raise _fail(exc) from exc
    console.print(
        f"experiment {row.id}: {row.challenger} serves {row.share:.0%} of {row.stat} props"
    )


@app.command("stop")
def stop_command(
    stat: str = typer.Option(..., "--stat", help="The stat whose test stops."),
) -> None:
    """Stop the stat's running experiment (its logged props stay for the evaluation)."""
    with open_container() as container:
        try:
            row = stop_experiment(container, stat=stat, now=now())
        except StatMusePicksError as exc:
            raise _fail(exc) from exc
    console.print(f"experiment {row.id} on {row.stat} stopped")


def _interval(bounds: tuple[float, float] | None) -> str:
    return "-" if bounds is None else f"{bounds[0]:+.4f} .. {bounds[1]:+.4f}"


def _verdict(result: ExperimentResult) -> str:
    if result.challenger_wins:
        return "challenger better: may stop and promote"
    if result.may_stop:
        return "champion better: may stop"
    return "keep running"


@app.command("status")
def status_command(
    stat: str | None = typer.Option(None, "--stat", help="Only this stat's experiments."),
) -> None:
    """Every experiment with its paired Brier and log-loss differences (champion - challenger)."""
    with open_container() as container:
        try:
            results = [
                evaluate_experiment(container, row) for row in experiments(container, stat=stat)
            ]
        except StatMusePicksError as exc:
            raise _fail(exc) from exc
    if not results:
        console.print("no experiments yet: `statmusepicks ab start --stat points --challenger ...`")
        return
    table = Table(
        "id",
        "stat",
        "challenger",
        "status",
        "props",
        "Brier diff",
        "95 % CI",
        "sequence",
        "log-loss diff",
        "95 % CI",
        "verdict",
    )
    for result in results:
        table.add_row(
            str(result.experiment_id),
            result.stat,
            result.challenger,
            result.status,
            str(result.props),
            f"{result.brier.difference:+.4f}",
            _interval(result.brier.ci95),
            _interval(result.brier.sequence),
            f"{result.log_loss.difference:+.4f}",
            _interval(result.log_loss.ci95),
            _verdict(result),
        )
    console.print(table)
    console.print(
        "differences are champion loss - challenger loss: above zero favours the challenger"
    )
