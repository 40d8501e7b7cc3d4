"""The worker runs the sync at 06:00 New York time and retries a failed run later."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from statmusepicks.cli.worker import JOB_ID, RetryingSync, schedule_daily_sync
from statmusepicks.core.settings import Settings
from statmusepicks.services.sync import SyncOutcome

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def fresh_logging() -> None:
    """Log to the current stderr even if an earlier CLI test configured a stream now closed."""
    structlog.reset_defaults()


def settings() -> Settings:
    return Settings(environment="test", _env_file=None)  # type: ignore[call-arg]


def next_run(after: dt.datetime) -> dt.datetime:
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    schedule_daily_sync(scheduler, settings(), SyncOutcome)
    job = scheduler.get_job(JOB_ID)
    return job.trigger.get_next_fire_time(None, after)  # type: ignore[no-any-return]


def test_the_next_run_is_at_six_in_the_morning_new_york_time() -> None:
    fire = next_run(dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC))
    assert fire.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2025, 11, 16, 6, 0)
    assert fire.astimezone(dt.UTC).hour == 11  # EST is UTC-5


def test_six_oclock_follows_daylight_saving_time() -> None:
    fire = next_run(dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC))
    assert fire.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2026, 3, 9, 6, 0)
    assert fire.astimezone(dt.UTC).hour == 10  # EDT is UTC-4


def test_the_schedule_is_configurable() -> None:
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    custom = settings().model_copy(update={"sync_cron": "30 7 * * *", "sync_timezone": "UTC"})
    schedule_daily_sync(scheduler, custom, SyncOutcome)
    fire = scheduler.get_job(JOB_ID).trigger.get_next_fire_time(
        None, dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC)
    )
    assert fire == dt.datetime(2025, 11, 16, 7, 30, tzinfo=dt.UTC)


def test_a_failed_run_is_retried_later_until_the_attempts_run_out() -> None:
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    now = dt.datetime(2025, 11, 16, 11, 0, tzinfo=dt.UTC)
    job = RetryingSync(
        scheduler,
        lambda: SyncOutcome(errors=["nba: down"]),
        retry_delay=dt.timedelta(minutes=30),
        max_attempts=3,
        now=lambda: now,
    )
    job()
    retry = scheduler.get_job(f"{JOB_ID}_retry")
    assert retry is not None
    assert retry.args == (2,)
    assert retry.trigger.run_date == now + dt.timedelta(minutes=30)
    scheduler.remove_job(f"{JOB_ID}_retry")
    job(3)
    assert scheduler.get_job(f"{JOB_ID}_retry") is None


def test_a_successful_run_books_no_retry() -> None:
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    RetryingSync(scheduler, SyncOutcome, retry_delay=dt.timedelta(minutes=30), max_attempts=3)()
    assert scheduler.get_jobs() == []
