"""The season's day: which jobs run when, and the one runner the worker and the replay share.

`SEASON_JOBS` lists every job with its local times (SYNC_TIMEZONE; `JOB_TIMES` overrides them
by name). A slot is one job at one time; it runs with `as_of` = that time, so a slot reads the
world as it stood then. `SlotRunner.run` records each attempt in `job_runs`, retries a failed
job with exponential backoff (tenacity), alerts when the attempts run out, and skips a slot
that already succeeded: running a day twice adds nothing. The live worker fires
`SlotRunner.run` from APScheduler at each slot; `run_day` runs a whole day's slots in time order for
`worker --once` and `statmusepicks replay`. Both take a day's slots from `planned_slots`: the
fixed times plus, for the `pre_tip` jobs, ODDS_PRE_TIP_MINUTES before the first tip-off stored
for that day (the schedule job of the same morning stores it).

The default times follow the NBA day (New York): box scores are final by about 01:00 and
NBA.com's corrections settle by morning, so the box scores go at 06:00, the feature store and
grading follow; books post player props from the late morning, so lines are snapshotted from
10:00 to 18:30, before the first evening tip-off (several snapshots also measure closing-line
value; ODDS_SNAPSHOT_TIMES sets them), plus one 30 minutes before the day's first tip-off,
when the closing prices are nearly set. The day's board is logged as served at 19:00, after
the last fixed snapshot and before most tip-offs, so grading, the daily metrics, CLV and drift
score what the product showed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models import Game, PropLine
from statmusepicks.data.db.models_jobs import JobRunRecord
from statmusepicks.services.alert_delivery import prop_alerts
from statmusepicks.services.board_log import log_served_board
from statmusepicks.services.closing_values import record_closing_values
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import record_data_quality
from statmusepicks.services.drift import nightly_drift
from statmusepicks.services.injury_jobs import sync_injuries
from statmusepicks.services.jobs import Job, JobReport
from statmusepicks.services.monitoring import record_daily_metrics
from statmusepicks.services.monitoring_alerts import evaluate_alerts
from statmusepicks.services.odds_jobs import pre_tip_snapshot, sync_odds_snapshot
from statmusepicks.services.refit import refit_market_stack
from statmusepicks.services.retrain import weekly_retrain
from statmusepicks.services.schedule_jobs import sync_schedule
from statmusepicks.services.sync import (
    Alerter,
    grade_predictions,
    refresh_features,
    sync_box_scores,
)
from statmusepicks.services.text_signals import extract_text_signals
from statmusepicks.services.track_record_chain import export_record

log = get_logger(__name__)

SEASON_JOBS: list[Job] = [
    # The schedule first: it tells which days are game days and when each game tips off.
    Job("schedule", sync_schedule, ("05:45",)),
    Job("nba_box_scores", sync_box_scores, ("06:00",)),
    Job("feature_store", refresh_features, ("06:20",)),
    Job("grade", grade_predictions, ("06:40",)),
    # At each odds slot's own time and listed before it, so a snapshot is priced with the
    # injury report as of that moment (keep its JOB_TIMES equal to ODDS_SNAPSHOT_TIMES).
    Job(
        "injuries",
        sync_injuries,
        ("10:00", "13:00", "16:00", "18:30"),
        cadence="game_day",
        pre_tip=True,
    ),
    Job(
        "text_signals",
        extract_text_signals,
        ("10:10", "13:10", "16:10", "18:35"),
        cadence="game_day",
    ),
    Job("odds_snapshot", sync_odds_snapshot, ("10:00", "13:00", "16:00", "18:30"), pre_tip=True),
    # Right after each snapshot (listed after it; ODDS_SNAPSHOT_TIMES sets both): edges, line
    # moves, injury news.
    Job("prop_alerts", prop_alerts, ("10:00", "13:00", "16:00", "18:30"), pre_tip=True),
    # After grading: yesterday's picks have closed and are settled.
    Job("closing_values", record_closing_values, ("06:45",)),
    Job("daily_metrics", record_daily_metrics, ("06:50",)),
    Job("data_quality", record_data_quality, ("06:50", "18:45")),
    Job("alerts", evaluate_alerts, ("07:00", "18:50")),
    # After grading: the residuals need yesterday's actuals.
    Job("drift", nightly_drift, ("07:10",)),
    # After grading, on every line settled by then; serving picks the fit up on its own.
    Job("market_refit", refit_market_stack, ("07:20",)),
    # After grading: the day's hash-chained record, published for offline checks.
    Job("record_export", export_record, ("07:30",)),
    # Monday before dawn, when no one is betting: challengers only, never promoted here.
    Job("weekly_retrain", weekly_retrain, ("03:00",), cadence="weekly", weekday=0),
    # After the last fixed snapshot and before most tip-offs: the board as served, logged like
    # any served answer (props of games already started are left out).
    Job("served_board", log_served_board, ("18:40",), cadence="game_day"),
]

SlotStatus = Literal["succeeded", "failed", "skipped", "not_game_day"]
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Slot:
    """One job at one moment (tz-aware UTC)."""

    job: Job
    as_of: dt.datetime


@dataclass
class SlotOutcome:
    """How a slot ended: its status, attempts spent and the last report (None when skipped)."""

    slot: Slot
    status: SlotStatus
    attempts: int = 0
    report: JobReport | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class DayOutcome:
    """Every slot of a day in the order it ran."""

    day: dt.date
    slots: list[SlotOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[SlotOutcome]:
        return [outcome for outcome in self.slots if not outcome.ok]


def job_times(job: Job, settings: Settings) -> tuple[str, ...]:
    """The job's local times: `JOB_TIMES[name]` (comma-separated) when set, else a setting of
    its own named `<name>_times` (e.g. ODDS_SNAPSHOT_TIMES, which the odds budget also reads),
    else its defaults."""
    configured = settings.job_times.get(job.name)
    if configured is not None:
        return tuple(part.strip() for part in configured.split(",") if part.strip())
    own = getattr(settings, f"{job.name}_times", None)
    return tuple(own) if own else job.at


def slot_at(job: Job, day: dt.date, local_time: str, settings: Settings) -> Slot:
    """The slot of `job` on `day` at `local_time` (HH:MM in SYNC_TIMEZONE), as of UTC."""
    hour, minute = (int(part) for part in local_time.split(":"))
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(settings.sync_timezone))
    return Slot(job, local.astimezone(dt.UTC))


def day_slots(
    day: dt.date,
    settings: Settings,
    jobs: Sequence[Job] = SEASON_JOBS,
    *,
    pre_tip: dt.datetime | None = None,
) -> list[Slot]:
    """Every slot of `day` in time order (weekly jobs only on their weekday), with a slot of
    each `pre_tip` job at `pre_tip` when given; ties keep the order of `jobs`, so a job listed
    after another at the same time runs after it. A pre-tip slot that falls on a fixed one
    (first tip at 19:00, snapshot at 18:30) is that slot."""
    slots = {
        slot_at(job, day, text, settings)
        for job in jobs
        if job.cadence != "weekly" or day.weekday() == job.weekday
        for text in job_times(job, settings)
    }
    if pre_tip is not None:
        slots |= {Slot(job, pre_tip.astimezone(dt.UTC)) for job in jobs if job.pre_tip}
    order = {job.name: index for index, job in enumerate(jobs)}
    return sorted(slots, key=lambda slot: (slot.as_of, order[slot.job.name]))


def planned_slots(
    container: Container, day: dt.date, jobs: Sequence[Job] = SEASON_JOBS
) -> list[Slot]:
    """The slots of `day` as the stored schedule knows them now (the pre-tip slots appear once
    the day's first tip-off is stored)."""
    return day_slots(day, container.settings, jobs, pre_tip=pre_tip_snapshot(container, day))


def pre_tip_slots(
    container: Container, day: dt.date, jobs: Sequence[Job] = SEASON_JOBS
) -> list[Slot]:
    """Only the slots of `day` that come from its first tip-off (what the live worker adds to
    its fixed triggers each day)."""
    fixed = set(day_slots(day, container.settings, jobs))
    return [slot for slot in planned_slots(container, day, jobs) if slot not in fixed]


def is_game_day(container: Container, day: dt.date) -> bool:
    """True when a game is stored for `day` or books price props on it."""
    with container.sessions() as session:
        games = session.scalar(select(func.count()).select_from(Game).where(Game.game_date == day))
        lines = session.scalar(
            select(func.count()).select_from(PropLine).where(PropLine.game_date == day)
        )
    return bool(games or lines)


class SlotRunner:
    """Runs slots: records every attempt, retries with backoff, alerts when a job gives up.

    `clock` stamps when an attempt really started and ended (the edge passes the wall clock);
    `sleep` waits between attempts (tests and replays pass a no-op).
    """

    def __init__(
        self,
        container: Container,
        *,
        clock: Clock,
        alerter: Alerter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.container = container
        self.clock = clock
        settings = container.settings
        self.alerter = alerter or Alerter(settings.alert_webhook_url)
        self.attempts = max(1, settings.job_attempts)
        self.wait = wait_exponential(multiplier=settings.job_retry_seconds, max=3600)
        self.sleep = sleep

    def succeeded(self, slot: Slot) -> bool:
        """True when this job already succeeded at this as-of time."""
        with self.container.sessions() as session:
            found = session.scalar(
                select(func.count())
                .select_from(JobRunRecord)
                .where(
                    JobRunRecord.job == slot.job.name,
                    JobRunRecord.as_of == slot.as_of,
                    JobRunRecord.status == "succeeded",
                )
            )
        return bool(found)

    def run(self, slot: Slot) -> SlotOutcome:
        """Run one slot unless it already succeeded (or is a game-day job on a quiet day)."""
        if self.succeeded(slot):
            return SlotOutcome(slot, "skipped")
        day = slot.as_of.astimezone(ZoneInfo(self.container.settings.sync_timezone)).date()
        if slot.job.cadence == "game_day" and not is_game_day(self.container, day):
            return SlotOutcome(slot, "not_game_day")
        outcome = SlotOutcome(slot, "failed")

        def attempt() -> JobReport:
            outcome.attempts += 1
            return self._attempt(slot, outcome.attempts)

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            retry=retry_if_result(lambda report: not report.ok),
            # The last failed report is the answer (attempts never raise: see `_attempt`).
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
            sleep=self.sleep,
        )
        outcome.report = retrying(attempt)
        if outcome.report.ok:
            outcome.status = "succeeded"
            self._alert_stale(outcome.report)
        else:
            self.alerter.alert(
                "job.failed",
                f"Job {slot.job.name} failed {outcome.attempts} time(s) as of "
                f"{slot.as_of.isoformat()}: {'; '.join(outcome.report.errors)}",
                job=slot.job.name,
                as_of=slot.as_of.isoformat(),
            )
        return outcome

    def _attempt(self, slot: Slot, attempt: int) -> JobReport:
        """One attempt, recorded; an exception becomes the report's error (never propagates)."""
        record_id = self._start(slot, attempt)
        try:
            report = slot.job.run(self.container, slot.as_of)
        except Exception as exc:  # a job's failure is recorded, retried and alerted, not raised
            message = getattr(exc, "message", None) or repr(exc)
            report = JobReport(job=slot.job.name, as_of=slot.as_of, errors=[str(message)])
            log.warning("job.attempt_failed", job=slot.job.name, attempt=attempt, error=message)
        self._finish(record_id, report)
        return report

    def _start(self, slot: Slot, attempt: int) -> int:
        with self.container.engine.begin() as connection:
            result = connection.execute(
                insert(JobRunRecord).values(
                    job=slot.job.name,
                    as_of=slot.as_of,
                    attempt=attempt,
                    status="running",
                    started_at=self.clock(),
                    rows=0,
                    errors=[],
                    details={},
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def _finish(self, record_id: int, report: JobReport) -> None:
        with self.container.engine.begin() as connection:
            connection.execute(
                update(JobRunRecord)
                .where(JobRunRecord.id == record_id)
                .values(
                    status="succeeded" if report.ok else "failed",
                    finished_at=self.clock(),
                    rows=report.rows,
                    errors=report.errors,
                    details=report.details,
                )
            )

    def _alert_stale(self, report: JobReport) -> None:
        reason = report.details.get("stale")
        if reason:
            self.alerter.alert(
                "job.stale_data", f"Stale data: {reason}", as_of=report.as_of.isoformat()
            )


def wall_clock() -> dt.datetime:
    """The real time: when an attempt started and ended (never what a job may read)."""
    return dt.datetime.now(dt.UTC)


def run_day(
    container: Container,
    day: dt.date,
    *,
    until: dt.datetime | None = None,
    runner: SlotRunner | None = None,
    jobs: Sequence[Job] = SEASON_JOBS,
) -> DayOutcome:
    """Every slot of `day` (up to `until`) in time order, each as of its own time.

    The plan is read again after every slot: the morning's schedule job is what places the
    pre-tip slots.
    """
    runner = runner or SlotRunner(container, clock=wall_clock)
    outcome = DayOutcome(day)
    done: set[Slot] = set()
    while True:
        due = [
            slot
            for slot in planned_slots(container, day, jobs)
            if slot not in done and (until is None or slot.as_of <= until)
        ]
        if not due:
            break
        slot = due[0]
        done.add(slot)
        result = runner.run(slot)
        log.info(
            "job.slot_done",
            job=slot.job.name,
            as_of=slot.as_of.isoformat(),
            status=result.status,
            attempts=result.attempts,
            rows=result.report.rows if result.report else 0,
        )
        outcome.slots.append(result)
    return outcome
