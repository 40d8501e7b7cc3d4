"""The season's day: slots in time order, one record per attempt, retries, alerts, reruns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import structlog
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models_jobs import JobRunRecord
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import Job, JobReport
from statmusepicks.services.season_day import SlotRunner, day_slots, job_times, run_day
from statmusepicks.services.sync import Alerter
from tests.environments import isolated_settings, memory_container
from tests.unit.services.test_sync import Webhook

DAY = dt.date(2025, 11, 3)  # a Monday, EST (UTC-5)
CLOCK = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_logging() -> None:
    structlog.reset_defaults()


@pytest.fixture
def container(sqlite_engine: Engine, tmp_path: Path) -> Container:
    return memory_container(isolated_settings(tmp_path, job_attempts=3), sqlite_engine)


class Flaky:
    """A job failing its first `failures` calls (by error or by exception), then writing rows."""

    def __init__(self, failures: int, *, raises: bool = False) -> None:
        self.failures = failures
        self.raises = raises
        self.calls: list[dt.datetime] = []

    def __call__(self, container: Container, as_of: dt.datetime) -> JobReport:
        self.calls.append(as_of)
        if len(self.calls) <= self.failures:
            if self.raises:
                raise RuntimeError("upstream down")
            return JobReport("flaky", as_of, errors=["upstream down"])
        return JobReport("flaky", as_of, rows=5)


def runner(container: Container, webhook: Webhook, sleeps: list[float]) -> SlotRunner:
    return SlotRunner(
        container,
        clock=lambda: CLOCK,
        alerter=Alerter("https://hooks.test/x", transport=webhook.transport),
        sleep=sleeps.append,
    )


def records(container: Container) -> list[JobRunRecord]:
    with Session(container.engine) as session:
        return list(session.scalars(select(JobRunRecord).order_by(JobRunRecord.id)))


def test_slots_run_in_local_time_order_and_weekly_jobs_on_their_day(container: Container) -> None:
    def noop(_container: Container, as_of: dt.datetime) -> JobReport:
        return JobReport("noop", as_of)

    jobs = [
        Job("late", noop, ("18:30",)),
        Job("early", noop, ("06:00", "12:00")),
        Job("weekly", noop, ("03:00",), cadence="weekly", weekday=0),
        Job("other_weekly", noop, ("03:00",), cadence="weekly", weekday=3),
    ]
    slots = day_slots(DAY, container.settings, jobs)
    assert [(s.job.name, s.as_of.hour) for s in slots] == [
        ("weekly", 8),
        ("early", 11),
        ("early", 17),
        ("late", 23),
    ]
    assert all(s.as_of.tzinfo == dt.UTC for s in slots)


def test_times_come_from_job_times_then_a_setting_named_for_the_job(container: Container) -> None:
    job = Job("odds_snapshot", Flaky(0), ("09:00",))
    assert job_times(job, container.settings) == tuple(container.settings.odds_snapshot_times)
    custom = container.settings.model_copy(update={"job_times": {"odds_snapshot": "11:00, 17:00"}})
    assert job_times(job, custom) == ("11:00", "17:00")
    assert job_times(Job("unnamed", Flaky(0), ("09:00",)), custom) == ("09:00",)


@pytest.mark.parametrize("raises", [False, True])
def test_a_failed_job_is_retried_with_backoff_and_every_attempt_recorded(
    container: Container, raises: bool
) -> None:
    webhook, sleeps = Webhook(), []
    job = Flaky(2, raises=raises)
    outcome = run_day(
        container,
        DAY,
        runner=runner(container, webhook, sleeps),
        jobs=[Job("flaky", job, ("06:00",))],
    )
    (slot,) = outcome.slots
    assert slot.status == "succeeded"
    assert slot.attempts == 3
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0] > 0
    assert [(r.attempt, r.status) for r in records(container)] == [
        (1, "failed"),
        (2, "failed"),
        (3, "succeeded"),
    ]
    assert "upstream down" in records(container)[0].errors[0]
    assert records(container)[-1].rows == 5
    assert webhook.posts == []


def test_a_job_that_keeps_failing_is_alerted_once_its_attempts_run_out(
    container: Container,
) -> None:
    webhook, sleeps = Webhook(), []
    outcome = run_day(
        container,
        DAY,
        runner=runner(container, webhook, sleeps),
        jobs=[Job("flaky", Flaky(10), ("06:00",))],
    )
    assert [s.status for s in outcome.slots] == ["failed"]
    assert outcome.failed
    assert len(records(container)) == 3
    (alert,) = webhook.posts
    assert alert["event"] == "job.failed"
    assert alert["job"] == "flaky"
    assert "failed 3 time(s)" in alert["text"]


def test_running_a_day_twice_runs_each_succeeded_slot_once(container: Container) -> None:
    webhook, sleeps = Webhook(), []
    job = Flaky(0)
    jobs = [Job("flaky", job, ("06:00", "18:00"))]
    first = run_day(container, DAY, runner=runner(container, webhook, sleeps), jobs=jobs)
    second = run_day(container, DAY, runner=runner(container, webhook, sleeps), jobs=jobs)
    assert [s.status for s in first.slots] == ["succeeded", "succeeded"]
    assert [s.status for s in second.slots] == ["skipped", "skipped"]
    assert len(job.calls) == 2
    assert len(records(container)) == 2


def test_until_stops_the_day_at_a_moment(container: Container) -> None:
    job = Flaky(0)
    until = dt.datetime(2025, 11, 3, 12, 0, tzinfo=dt.UTC)  # 07:00 New York
    outcome = run_day(
        container,
        DAY,
        until=until,
        runner=runner(container, Webhook(), []),
        jobs=[Job("flaky", job, ("06:00", "18:00"))],
    )
    assert len(outcome.slots) == 1
    assert job.calls == [dt.datetime(2025, 11, 3, 11, 0, tzinfo=dt.UTC)]


def test_a_stale_report_raises_the_stale_data_alert(container: Container) -> None:
    webhook = Webhook()

    def stale(_container: Container, as_of: dt.datetime) -> JobReport:
        return JobReport("nba_box_scores", as_of, details={"stale": "nothing new since 10-30"})

    run_day(
        container,
        DAY,
        runner=runner(container, webhook, []),
        jobs=[Job("nba_box_scores", stale, ("06:00",))],
    )
    assert [p["event"] for p in webhook.posts] == ["job.stale_data"]
    assert "nothing new since 10-30" in webhook.posts[0]["text"]


def test_a_game_day_job_waits_for_a_game_day(container: Container) -> None:
    job = Flaky(0)
    outcome = run_day(
        container,
        DAY,
        runner=runner(container, Webhook(), []),
        jobs=[Job("flaky", job, ("06:00",), cadence="game_day")],
    )
    assert [s.status for s in outcome.slots] == ["not_game_day"]
    assert job.calls == []
