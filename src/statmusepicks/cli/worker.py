"""`statmusepicks worker`: the scheduler process that runs the morning sync every day.

06:00 America/New_York by default (SYNC_CRON, SYNC_TIMEZONE): every game of the night before is
final by then, and it is the quietest hour for the API. A failed run is retried later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import typer
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from statmusepicks.cli.common import console, open_container
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.services.sync import SyncOutcome, daily_sync

log = get_logger(__name__)

JOB_ID = "daily_sync"


class RetryingSync:
    """The scheduled job: run the sync; when it fails, schedule another try later."""

    def __init__(
        self,
        scheduler: BaseScheduler,
        run: Callable[[], SyncOutcome],
        *,
        retry_delay: dt.timedelta,
        max_attempts: int,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.scheduler = scheduler
        self.run = run
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.now = now

    def __call__(self, attempt: int = 1) -> SyncOutcome:
        """One attempt; a failure before the last attempt books the next one."""
        outcome = self.run()
        if outcome.ok:
            log.info("worker.sync_succeeded", attempt=attempt)
        elif attempt < self.max_attempts:
            run_at = self.now() + self.retry_delay
            self.scheduler.add_job(
                self,
                "date",
                run_date=run_at,
                args=[attempt + 1],
                id=f"{JOB_ID}_retry",
                replace_existing=True,
            )
            log.warning("worker.sync_retry_scheduled", attempt=attempt, run_at=run_at.isoformat())
        else:
            log.error("worker.sync_gave_up", attempts=attempt, errors=outcome.errors)
        return outcome


def schedule_daily_sync(
    scheduler: BaseScheduler,
    settings: Settings,
    run: Callable[[], SyncOutcome],
    *,
    retry_delay: dt.timedelta = dt.timedelta(minutes=30),
    max_attempts: int = 3,
) -> RetryingSync:
    """Add the cron job (SYNC_CRON in SYNC_TIMEZONE) to `scheduler`."""
    job = RetryingSync(scheduler, run, retry_delay=retry_delay, max_attempts=max_attempts)
    trigger = CronTrigger.from_crontab(
        settings.sync_cron, timezone=ZoneInfo(settings.sync_timezone)
    )
    # coalesce + grace: a worker that was down at 06:00 runs the missed sync once on restart.
    scheduler.add_job(
        job, trigger, id=JOB_ID, coalesce=True, max_instances=1, misfire_grace_time=6 * 3600
    )
    return job


def worker(
    retry_minutes: int = typer.Option(30, help="Minutes before a failed sync is tried again."),
    attempts: int = typer.Option(3, help="Tries per day before giving up (and alerting)."),
    run_now: bool = typer.Option(False, "--run-now", help="Also run one sync at start-up."),
) -> None:
    """Run the scheduler in the foreground (Ctrl-C stops it)."""
    settings = get_settings()
    scheduler = BlockingScheduler(timezone=ZoneInfo(settings.sync_timezone))

    def run() -> SyncOutcome:
        with open_container() as container:
            return daily_sync(container)

    job = schedule_daily_sync(
        scheduler,
        settings,
        run,
        retry_delay=dt.timedelta(minutes=retry_minutes),
        max_attempts=attempts,
    )
    if run_now:
        job()
    next_run = scheduler.get_job(JOB_ID).trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC))
    console.print(
        f"worker started: next sync at {next_run} ({settings.sync_cron}, {settings.sync_timezone})"
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        console.print("worker stopped")
