"""The worker fires each season slot at its local time in SYNC_TIMEZONE, as of that slot."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from statmusepicks.cli.worker import SlotFiring, schedule_season
from statmusepicks.core.settings import Settings
from statmusepicks.services.jobs import Job, JobReport
from statmusepicks.services.season_day import SEASON_JOBS, Slot, SlotOutcome

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def fresh_logging() -> None:
    """Log to the current stderr even if an earlier CLI test configured a stream now closed."""
    structlog.reset_defaults()


def settings() -> Settings:
    return Settings(environment="test", _env_file=None)  # type: ignore[call-arg]


def ran(slot: Slot) -> SlotOutcome:
    return SlotOutcome(slot, "succeeded")


def next_box_scores(after: dt.datetime, custom: Settings | None = None) -> dt.datetime:
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    schedule_season(scheduler, custom or settings(), ran)
    job = scheduler.get_job(
        "nba_box_scores@" + (custom or settings()).job_times.get("nba_box_scores", "06:00")
    )
    return job.trigger.get_next_fire_time(None, after)  # type: ignore[no-any-return]


def test_every_slot_of_the_season_jobs_is_scheduled() -> None:
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    ids = schedule_season(scheduler, settings(), ran)
    assert "nba_box_scores@06:00" in ids
    assert len(ids) == sum(len(job.at) for job in SEASON_JOBS if job.name != "odds_snapshot") + len(
        settings().odds_snapshot_times
    )
    assert {job.id for job in scheduler.get_jobs()} == set(ids)


def test_the_box_scores_run_at_six_in_the_morning_new_york_time() -> None:
    fire = next_box_scores(dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC))
    assert fire.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2025, 11, 16, 6, 0)
    assert fire.astimezone(dt.UTC).hour == 11  # EST is UTC-5


def test_six_oclock_follows_daylight_saving_time() -> None:
    fire = next_box_scores(dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC))
    assert fire.astimezone(NEW_YORK).replace(tzinfo=None) == dt.datetime(2026, 3, 9, 6, 0)
    assert fire.astimezone(dt.UTC).hour == 10  # EDT is UTC-4


def test_the_schedule_is_configurable() -> None:
    custom = settings().model_copy(
        update={"job_times": {"nba_box_scores": "07:30"}, "sync_timezone": "UTC"}
    )
    fire = next_box_scores(dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC), custom)
    assert fire == dt.datetime(2025, 11, 16, 7, 30, tzinfo=dt.UTC)


def test_a_late_firing_still_runs_as_of_its_slot() -> None:
    """A worker down at 06:00 that catches up at 08:10 reads the world as of 06:00."""
    seen: list[dt.datetime] = []

    def run(slot: Slot) -> SlotOutcome:
        seen.append(slot.as_of)
        return SlotOutcome(slot, "succeeded")

    job = Job("probe", lambda _container, as_of: JobReport("probe", as_of), ("06:00",))
    late = dt.datetime(2025, 11, 16, 13, 10, tzinfo=dt.UTC)  # 08:10 in New York
    SlotFiring(run, job, "06:00", settings(), clock=lambda: late)()
    assert seen == [dt.datetime(2025, 11, 16, 11, 0, tzinfo=dt.UTC)]
