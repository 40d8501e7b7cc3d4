"""`statmusepicks data ...`: the bundled real dataset."""

from __future__ import annotations

import time

import typer
from rich.table import Table

from statmusepicks.cli.common import console, open_container, progress_bar
from statmusepicks.services.loading import has_data, load_bundled_data

app = typer.Typer(help="Bundled NBA data.", no_args_is_help=True)

LOAD_STEPS = 5


@app.command("load")
def load_command(
    if_empty: bool = typer.Option(False, "--if-empty", help="Skip when data is already loaded."),
) -> None:
    """Load every bundled file (validated, idempotent; bad rows go to quarantine)."""
    with open_container() as container:
        if if_empty and has_data(container):
            console.print("bundled data already loaded; skipping")
            return
        started = time.perf_counter()
        with progress_bar() as progress:
            task = progress.add_task("loading", total=LOAD_STEPS)

            def step(message: str) -> None:
                progress.update(task, description=message, advance=1)

            report = load_bundled_data(container, step)
            progress.update(task, completed=LOAD_STEPS)
        table = Table("table", "rows in", "inserted", "updated", "quarantined", "outliers flagged")
        for row in report.tables:
            table.add_row(
                row.table,
                str(row.rows_in),
                str(row.inserted),
                str(row.updated),
                str(row.quarantined),
                str(row.flagged),
            )
        console.print(table)
        for row in report.tables:
            for reason, count in row.reasons.items():
                console.print(f"quarantined {row.table}: {count} x {reason}")
        console.print(
            f"loaded in {time.perf_counter() - started:.1f} s into "
            f"{container.engine.dialect.name} (run {report.run_id})"
        )
