"""`statmusepicks ingest ...`: live data from the NBA Stats API and The Odds API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from statmusepicks.cli.clock import AS_OF_HELP, parse_as_of
from statmusepicks.cli.common import console, open_container, parse_date
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.settings import get_settings

if TYPE_CHECKING:
    from statmusepicks.data.ingest.bundled import TableReport

app = typer.Typer(help="Sync live data (NBA box scores, prop lines).", no_args_is_help=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Show an actionable error as one red line and exit 1, instead of a traceback."""
    try:
        yield
    except StatMusePicksError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from exc


def show_import(run_id: int, table: TableReport) -> None:
    """One line of counts for a file import, then each quarantine reason."""
    console.print(
        f"run {run_id}: {table.rows_in} rows, {table.inserted} inserted, "
        f"{table.updated} updated, {table.quarantined} quarantined"
    )
    for reason, count in table.reasons.items():
        console.print(f"quarantined: {count} x {reason}")


def _date(value: str | None) -> dt.date | None:
    return None if value is None else parse_date(value)


@app.command("nba")
def nba_command(
    since: str | None = typer.Option(
        None, help="First game date (YYYY-MM-DD); default: the day after the latest stored game."
    ),
    until: str | None = typer.Option(
        None, help="Last game date; default and cap: the day before --as-of (New York)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """Fetch box scores from stats.nba.com, validate them and store what is new."""
    # Imported here, not at the top: each command pays only for the services it runs.
    from statmusepicks.services.sync import ingest_nba

    moment = parse_as_of(as_of, get_settings())
    with reported_errors(), open_container() as container:
        report = ingest_nba(container, since=_date(since), until=_date(until), as_of=moment)
        table = Table("run", "range", "games added", "player rows", "team rows", "quarantined")
        table.add_row(
            str(report.run_id),
            f"{report.since} .. {report.until}",
            str(report.games_added),
            str(report.player_rows_added),
            str(report.team_rows_added),
            str(report.quarantined),
        )
        console.print(table)
        if report.new_players:
            console.print(f"new players: {len(report.new_players)}")
        for change in report.team_changes:
            console.print(
                f"team change: player {change['player_id']} {change['from']} -> {change['to']}"
            )
        console.print(f"latest stored game: {report.latest_game_date}")


@app.command("odds")
def odds_command(as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP)) -> None:
    """Fetch prop lines for the games of the next 36 hours from --as-of (needs ODDS_API_KEY)."""
    from statmusepicks.services.sync import ingest_odds

    moment = parse_as_of(as_of, get_settings())
    with reported_errors(), open_container() as container:
        report = ingest_odds(container, as_of=moment)
        console.print(
            f"run {report.run_id}: {report.events_priced} events priced, "
            f"{report.lines_added} new line snapshots, {report.quarantined} quarantined"
        )


@app.command("injuries")
def injuries_command(as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP)) -> None:
    """Store the official injury report as of --as-of (needs INJURY_REPORT_URL)."""
    from statmusepicks.services.injury_jobs import sync_injuries

    moment = parse_as_of(as_of, get_settings())
    with reported_errors(), open_container() as container:
        report = sync_injuries(container, moment)
    if report.details.get("skipped"):
        console.print(f"skipped: {report.details['skipped']}")
        return
    for error in report.errors:
        console.print(f"[red]error:[/red] {error}")
    console.print(f"injury report as of {moment.isoformat()}: {report.rows} rows written")
    if not report.ok:
        raise typer.Exit(code=1)
