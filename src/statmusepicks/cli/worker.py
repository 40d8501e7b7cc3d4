"""`statmusepicks worker`: the scheduler process that runs the season's jobs at their slots.

Every slot of `SEASON_JOBS` (services/season_day.py) becomes a cron trigger at its local time
in SYNC_TIMEZONE. A firing runs the slot through the same `SlotRunner` that `worker --once` and
`statmusepicks replay` use, as of the slot's own time (a worker that was down at 06:00 and
catches up at 08:00 still reads the world as of 06:00). Slots run one at a time, in order.
The pre-tip slots (ODDS_PRE_TIP_MINUTES before the day's first tip-off) move with the
schedule: `PreTipPlanner` places today's as a one-off trigger when the worker starts and
again after every slot (the morning's schedule job is what stores the tip-offs), from the same
`planned_slots` that `worker --once` and `replay` run. `--once` runs one day's slots and exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

import typer
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from statmusepicks.cli.clock import AS_OF_HELP, is_whole_day, now, parse_as_of
from statmusepicks.cli.common import console, open_container
from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import Job
from statmusepicks.services.season_day import (
    SEASON_JOBS,
    Slot,
    SlotOutcome,
    SlotRunner,
    job_times,
    pre_tip_slots,
    run_day,
    slot_at,
)

PRE_TIP_ID = "pre_tip"


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


@dataclass
class PreTipPlanner:
    """Places today's pre-tip slots (one trigger running them in their listed order: the
    injury report before the snapshot), replacing the earlier placement; a moment already
    past is left out, as the fixed triggers of a worker started late leave theirs."""

    scheduler: BaseScheduler
    container: Container
    run: Callable[[Slot], SlotOutcome]
    clock: Callable[[], dt.datetime] = now
    jobs: Sequence[Job] = field(default_factory=lambda: SEASON_JOBS)

    def __call__(self) -> list[Slot]:
        moment = self.clock()
        today = moment.astimezone(ZoneInfo(self.container.settings.sync_timezone)).date()
        slots = [s for s in pre_tip_slots(self.container, today, self.jobs) if s.as_of > moment]
        if self.scheduler.get_job(PRE_TIP_ID) is not None:
            self.scheduler.remove_job(PRE_TIP_ID)
        if slots:
            self.scheduler.add_job(
                partial(run_slots, self.run, slots),
                DateTrigger(run_date=slots[0].as_of),
                id=PRE_TIP_ID,
                max_instances=1,
                misfire_grace_time=max(60, self.container.settings.odds_pre_tip_minutes * 60),
            )
        return slots

    def after(self, slot: Slot) -> SlotOutcome:
        """Run `slot`, then place today's pre-tip slots again (the schedule may have moved)."""
        outcome = self.run(slot)
        self()
        return outcome


def run_slots(run: Callable[[Slot], SlotOutcome], slots: Sequence[Slot]) -> list[SlotOutcome]:
    """Run `slots` one after the other."""
    return [run(slot) for slot in slots]


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
        planner = PreTipPlanner(scheduler, container, runner.run)
        ids = schedule_season(scheduler, settings, planner.after)
        pre_tip = planner()
        console.print(
            f"worker started: {len(ids)} slots a day ({settings.sync_timezone}); "
            f"pre-tip today: {pre_tip[0].as_of.isoformat() if pre_tip else 'none'}"
        )
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            console.print("worker stopped")
