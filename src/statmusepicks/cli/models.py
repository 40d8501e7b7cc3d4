"""`statmusepicks models list|show|promote|rollback`: the model registry."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from statmusepicks.cli.clock import now
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.services.ab_results import promote_if_better
from statmusepicks.services.training import (
    list_models,
    promote_model,
    rollback_model,
    show_model,
)

app = typer.Typer(
    help="List, inspect, promote and roll back registered models.", no_args_is_help=True
)


def _fail(exc: StatMusePicksError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(code=2)


@app.command("list")
def list_command() -> None:
    """Every registered model with its champion and challenger versions."""
    with open_container() as container:
        rows = list_models(container)
    if not rows:
        console.print("no models registered yet: run `statmusepicks train --quick`")
        return
    table = Table("model", "champion", "challenger", "versions")
    for row in rows:
        table.add_row(
            row["name"],
            str(row["champion"] or "-"),
            str(row["challenger"] or "-"),
            str(row["versions"]),
        )
    console.print(table)


@app.command("show")
def show_command(name: str = typer.Argument(..., help="e.g. smp-points-global")) -> None:
    """Versions, aliases and metrics of one model."""
    with open_container() as container:
        try:
            details = show_model(container, name)
        except StatMusePicksError as exc:
            raise _fail(exc) from exc
    table = Table("version", "alias", "variant", "trained through", "players", "metrics")
    for row in details["versions"]:
        metrics = {
            k: round(v, 4)
            for k, v in row["metrics"].items()
            if k.startswith(("valid_mae", "lines_brier", "lines_calibrated_brier"))
        }
        table.add_row(
            row["version"],
            row["alias"] or "-",
            row["variant"],
            row["trained_through"],
            str(row["players"]),
            json.dumps(metrics),
        )
    console.print(f"[bold]{details['name']}[/bold]")
    console.print(table)


@app.command("promote")
def promote_command(
    name: str = typer.Argument(..., help="e.g. smp-points-global"),
    version: str = typer.Argument(..., help="The version to make champion."),
    if_better: bool = typer.Option(
        False,
        "--if-better",
        help="Only if its A/B test shows it better on the same props (the decision is recorded).",
    ),
) -> None:
    """Make a version the champion (the old champion can be restored with rollback)."""
    with open_container() as container:
        try:
            if if_better:
                decision = promote_if_better(container, name, version, now=now())
                console.print(f"{name}:{version}: {decision.reason}")
                if not decision.promoted:
                    raise typer.Exit(code=1)
                return
            promote_model(container, name, version)
        except StatMusePicksError as exc:
            raise _fail(exc) from exc
    console.print(f"{name}: version {version} is now the champion")


@app.command("rollback")
def rollback_command(name: str = typer.Argument(..., help="e.g. smp-points-global")) -> None:
    """Restore the previous champion; the demoted version becomes the challenger."""
    with open_container() as container:
        try:
            version = rollback_model(container, name)
        except StatMusePicksError as exc:
            raise _fail(exc) from exc
    console.print(f"{name}: rolled back, version {version} is the champion again")
