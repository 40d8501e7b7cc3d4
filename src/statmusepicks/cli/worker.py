"""`statmusepicks worker`: the scheduler process that runs the season's jobs at their slots.

Every slot of `SEASON_JOBS` (services/season_day.py) becomes a cron trigger at its local time
in SYNC_TIMEZONE. A firing runs the slot through the same `SlotRunner` that `worker --once` and
`statmusepicks replay` use, as of the slot's own time (a worker that was down at 06:00 and
catches up at 08:00 still reads the world as of 06:00). Slots run one at a time, in order.
`--once` runs one day's slots and exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import typer
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from statmusepicks.cli.clock import AS_OF_HELP, is_whole_day, now, parse_as_of
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.services.jobs import Job
from statmusepicks.services.season_day import (
    SEASON_JOBS,
    Slot,
    SlotOutcome,
    SlotRunner,
    job_times,
    run_day,
    slot_at,
)


class SlotFiring:
    """What a trigger calls: the slot of today's date at its local time, run by `run`."""

    def __init__(
        self,
        run: Callable[[Slot], SlotOutcome],
        job: Job,
        local_time: str,
        settings: Settings,
        clock: Callable[[], dt.datetime] = now,
    ) -> None:
        self.run = run
        self.job = job
        self.local_time = local_time
        self.settings = settings
        self.clock = clock

    def slot(self) -> Slot:
        """The slot this firing stands for (today in SYNC_TIMEZONE, at the job's local time)."""
        today = self.clock().astimezone(ZoneInfo(self.settings.sync_timezone)).date()
        return slot_at(self.job, today, self.local_time, self.settings)

    def __call__(self) -> SlotOutcome:
        return self.run(self.slot())


def schedule_season(
    scheduler: BaseScheduler,
    settings: Settings,
    run: Callable[[Slot], SlotOutcome],
    jobs: Sequence[Job] = SEASON_JOBS,
) -> list[str]:
    """One cron trigger per job and local time; returns the scheduler job ids."""
    zone = ZoneInfo(settings.sync_timezone)
    ids = []
    for job in jobs:
        for text in job_times(job, settings):
            hour, minute = text.split(":")
            trigger = CronTrigger(
                hour=int(hour),
                minute=int(minute),
                day_of_week=str(job.weekday) if job.cadence == "weekly" else None,
                timezone=zone,
            )
            job_id = f"{job.name}@{text}"
            # coalesce + grace: a worker that was down at a slot runs it once on restart.
            scheduler.add_job(
                SlotFiring(run, job, text, settings),
                trigger,
                id=job_id,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=6 * 3600,
            )
            ids.append(job_id)
    return ids


def worker(
    once: bool = typer.Option(
        False, "--once", help="Run one day's slots (today up to now, or --as-of), then exit."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """Run the season's jobs: the scheduler in the foreground (Ctrl-C stops it), or `--once`."""
    settings = get_settings()
    with open_container() as container:
        runner = SlotRunner(container, clock=now)
        if once:
            moment = parse_as_of(as_of, settings)
            day = moment.astimezone(ZoneInfo(settings.sync_timezone)).date()
            until = None if as_of is not None and is_whole_day(as_of) else moment
            outcome = run_day(container, day, until=until, runner=runner)
            for result in outcome.slots:
                rows = result.report.rows if result.report else 0
                console.print(
                    f"{result.slot.as_of.isoformat()} {result.slot.job.name}: {result.status} "
                    f"({result.attempts} attempt(s), {rows} rows)"
                )
            if outcome.failed:
                raise typer.Exit(code=1)
            return
        scheduler = BlockingScheduler(
            timezone=ZoneInfo(settings.sync_timezone),
            executors={"default": ThreadPoolExecutor(1)},
        )
        ids = schedule_season(scheduler, settings, runner.run)
        console.print(f"worker started: {len(ids)} slots a day ({settings.sync_timezone})")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            console.print("worker stopped")
