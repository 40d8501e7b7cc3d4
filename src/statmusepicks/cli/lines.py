"""`statmusepicks lines import FILE`: prop lines from a file, for running without an odds key."""

from __future__ import annotations

from pathlib import Path

import typer

from statmusepicks.cli.common import open_container
from statmusepicks.cli.ingest import reported_errors, show_import
from statmusepicks.services.sync import import_lines

app = typer.Typer(help="Prop lines.", no_args_is_help=True)


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="CSV or parquet in the bundled prop-lines schema."),
) -> None:
    """Validate and store lines; bad rows are quarantined with their reasons."""
    with reported_errors(), open_container() as container:
        report = import_lines(container, path)
        show_import(report.run_id, report.table)
