"""`statmusepicks injuries import FILE`: injury reports from a CSV file."""

from __future__ import annotations

from pathlib import Path

import typer

from statmusepicks.cli.common import open_container
from statmusepicks.cli.ingest import reported_errors, show_import
from statmusepicks.services.sync import import_injury_file

app = typer.Typer(help="Injury reports.", no_args_is_help=True)


@app.command("import")
def import_command(
    path: Path = typer.Argument(
        ...,
        help=(
            "CSV: player_id or player_name, report_date (or date) and/or reported_at, status, "
            "note, team."
        ),
    ),
) -> None:
    """Validate and store an injury report; unknown players or statuses are quarantined."""
    with reported_errors(), open_container() as container:
        report = import_injury_file(container, path)
        show_import(report.run_id, report.table)
