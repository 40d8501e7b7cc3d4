"""`statmusepicks replay`: live a past stretch of the season again, day by day, job by job."""

from __future__ import annotations

from pathlib import Path

import typer

from statmusepicks.cli.clock import now
from statmusepicks.cli.common import console, open_container, parse_date
from statmusepicks.evaluation.replay_report import weekly_table
from statmusepicks.evaluation.reports import markdown_table
from statmusepicks.services.replay import (
    failed_slots,
    read_graded,
    replay_season,
    report_replay,
    with_quick_retrain,
)
from statmusepicks.services.season_day import SEASON_JOBS, SlotRunner


def replay(
    start: str = typer.Option(..., "--start", help="First day (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--end", help="Last day (YYYY-MM-DD)."),
    output: Path = typer.Option(Path("var/replay"), "--output", help="Boards and report go here."),
    bootstrap: int = typer.Option(2000, "--bootstrap", min=100, help="ROI bootstrap samples."),
    report_only: bool = typer.Option(
        False,
        "--report-only",
        help="Run nothing: score the boards already graded under --output (an interrupted run).",
    ),
    skip: str = typer.Option(
        "",
        "--skip",
        help="Comma-separated jobs to leave out (e.g. feature_store: the boards build their "
        "features from the box scores, and rebuilding the store costs minutes a day).",
    ),
    quick_retrain: bool = typer.Option(
        False,
        "--quick-retrain",
        help="The Monday retrain fits the quick model set (minutes) instead of the full "
        "pipeline (hours); its challengers are registered either way, never served.",
    ),
) -> None:
    """Run the worker's day for every day in the range against the configured sources, write
    each day's board (boards/<date>.csv), grade it once settled, and report week by week."""
    first, last = parse_date(start), parse_date(end)
    if last < first:
        raise typer.BadParameter("--end is before --start")
    left_out = {name.strip() for name in skip.split(",") if name.strip()}
    unknown = left_out - {job.name for job in SEASON_JOBS}
    if unknown:
        raise typer.BadParameter(f"no such job: {', '.join(sorted(unknown))}")
    jobs = [job for job in SEASON_JOBS if job.name not in left_out]
    if quick_retrain:
        jobs = with_quick_retrain(jobs)
    with open_container() as container:
        # A replay never waits between retries: the sources answer at once or not at all.
        runner = SlotRunner(container, clock=now, sleep=lambda _seconds: None)
        if report_only:
            result = report_replay(
                container, read_graded(output), output, bootstrap_samples=bootstrap
            )
        else:
            result = replay_season(
                container,
                first,
                last,
                output,
                runner=runner,
                jobs=jobs,
                bootstrap_samples=bootstrap,
            )
    for failure in failed_slots(result):
        console.print(
            f"[yellow]failed:[/yellow] {failure['job']} as of {failure['as_of']} "
            f"({failure['attempts']} attempts)"
        )
    if not result.summary:
        console.print("no board was served in the range (no lines stored?)")
        raise typer.Exit(code=1)
    # Markdown, not a console table: the weekly table is wide and goes into the runbook as is.
    print(f"Replay {first} .. {last}, per week (all = the whole range)\n")
    print(markdown_table(weekly_table(result.summary)))
    console.print(f"boards: {output / 'boards'}  report: {result.paths.get('report')}")
