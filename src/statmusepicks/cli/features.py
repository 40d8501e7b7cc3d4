"""`statmusepicks features ...`: the feature store."""

from __future__ import annotations

import time
from typing import Literal

import typer

from statmusepicks.cli.common import console, open_container, progress_bar
from statmusepicks.features.registry import FEATURES
from statmusepicks.services.features import build_feature_store

app = typer.Typer(help="Feature store.", no_args_is_help=True)

# read logs, the feature step, one step per feature function, write, register.
BUILD_STEPS = len(FEATURES) + 4


@app.command("build")
def build_command(
    source: str = typer.Option("db", help="Read logs from the database ('db') or 'bundled'."),
    force: bool = typer.Option(False, "--force", help="Rebuild even if this version exists."),
) -> None:
    """Compute every player-game's features and register the versioned parquet set."""
    if source not in ("db", "bundled"):
        raise typer.BadParameter("source must be 'db' or 'bundled'")
    chosen: Literal["db", "bundled"] = "db" if source == "db" else "bundled"
    with open_container() as container:
        started = time.perf_counter()
        with progress_bar() as progress:
            task = progress.add_task("features", total=BUILD_STEPS)

            def step(name: str) -> None:
                progress.update(task, description=name, advance=1)

            info = build_feature_store(container, source=chosen, force=force, on_step=step)
            progress.update(task, completed=BUILD_STEPS)
        verb = "reused" if info.reused else "built"
        console.print(
            f"{verb} feature set {info.version}: {info.rows} rows, "
            f"{info.min_date} .. {info.max_date}, at {info.path} "
            f"({time.perf_counter() - started:.1f} s)"
        )
