"""The pre-tip slots: placed each day from the stored schedule, in `run_day` and in the worker."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import insert, update

from statmusepicks.cli.worker import PRE_TIP_ID, PreTipPlanner
from statmusepicks.data.db.models import Game
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import Job, JobReport
from statmusepicks.services.season_day import (
    Slot,
    SlotOutcome,
    SlotRunner,
    planned_slots,
    pre_tip_slots,
    run_day,
)

NEW_YORK = ZoneInfo("America/New_York")
DAY = dt.date(2025, 11, 3)
CLOCK = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=NEW_YORK).astimezone(dt.UTC)


def store_tip(container: Container, tip: dt.datetime) -> None:
    with container.engine.begin() as connection:
        connection.execute(
            insert(Game).values(
                game_id="0022500999",
                game_date=DAY,
                season="2025-26",
                season_type="Regular Season",
                home_team="DEN",
                away_team="MIN",
                status="scheduled",
                tipoff_at=tip,
            )
        )


class Recorder:
    """A job that records the moments it ran as of; `schedule` stores the day's game."""

    def __init__(self, container: Container, tip: dt.datetime | None = None) -> None:
        self.container = container
        self.tip = tip
        self.ran: list[tuple[str, dt.datetime]] = []

    def job(self, name: str) -> Job:
        def run(_container: Container, as_of: dt.datetime) -> JobReport:
            self.ran.append((name, as_of))
            if name == "schedule" and self.tip is not None:
                store_tip(self.container, self.tip)
            return JobReport(name, as_of)

        return Job(name, run, ("18:30",) if name != "schedule" else ("05:45",))

    def jobs(self) -> list[Job]:
        schedule, injuries, odds = (self.job(n) for n in ("schedule", "injuries", "odds"))
        return [schedule, replace(injuries, pre_tip=True), replace(odds, pre_tip=True)]


def test_the_schedule_job_of_the_morning_places_the_pre_tip_slots_of_the_day(
    market_container: Container,
) -> None:
    structlog.reset_defaults()
    recorder = Recorder(market_container, tip=at(19, 30))
    jobs = recorder.jobs()
    assert pre_tip_slots(market_container, DAY, jobs) == []  # nothing stored yet
    runner = SlotRunner(market_container, clock=lambda: CLOCK, sleep=lambda _s: None)
    outcome = run_day(market_container, DAY, runner=runner, jobs=jobs)
    assert all(slot.ok for slot in outcome.slots)
    # 30 minutes before the 19:30 tip, the injury report before the snapshot.
    assert recorder.ran == [
        ("schedule", at(5, 45)),
        ("injuries", at(18, 30)),
        ("odds", at(18, 30)),
        ("injuries", at(19)),
        ("odds", at(19)),
    ]
    # A day run again adds nothing; a first tip at 19:00 falls on the fixed 18:30 slot.
    assert {s.status for s in run_day(market_container, DAY, runner=runner, jobs=jobs).slots} == {
        "skipped"
    }
    with market_container.engine.begin() as connection:
        connection.execute(update(Game).values(tipoff_at=at(19)))
    assert [s.as_of for s in planned_slots(market_container, DAY, jobs)] == [
        at(5, 45),
        at(18, 30),
        at(18, 30),
    ]


def test_the_pre_tip_lead_is_configurable(market_container: Container) -> None:
    store_tip(market_container, at(19, 30))
    recorder = Recorder(market_container)
    market_container.settings = market_container.settings.model_copy(
        update={"odds_pre_tip_minutes": 45}
    )
    assert {s.as_of for s in pre_tip_slots(market_container, DAY, recorder.jobs())} == {at(18, 45)}
    market_container.settings = market_container.settings.model_copy(
        update={"odds_pre_tip_minutes": 0}
    )
    assert pre_tip_slots(market_container, DAY, recorder.jobs()) == []


def test_the_live_worker_places_todays_pre_tip_trigger_after_the_schedule_slot(
    market_container: Container,
) -> None:
    recorder = Recorder(market_container, tip=at(19, 30))
    jobs = recorder.jobs()
    fired: list[Slot] = []

    def run(slot: Slot) -> SlotOutcome:
        fired.append(slot)
        report = slot.job.run(market_container, slot.as_of)
        return SlotOutcome(slot, "succeeded", 1, report)

    now = at(5, 45)
    scheduler = BackgroundScheduler(timezone=NEW_YORK)
    planner = PreTipPlanner(scheduler, market_container, run, clock=lambda: now, jobs=jobs)
    assert planner() == []  # started before the schedule is known: no pre-tip trigger
    assert scheduler.get_job(PRE_TIP_ID) is None
    planner.after(Slot(jobs[0], at(5, 45)))  # the schedule slot stores the 19:30 tip-off
    trigger = scheduler.get_job(PRE_TIP_ID).trigger
    assert trigger.get_next_fire_time(None, now) == at(19)
    # The trigger runs that moment's slots in order, each as of 19:00.
    scheduler.get_job(PRE_TIP_ID).func()
    assert [(s.job.name, s.as_of) for s in fired[1:]] == [("injuries", at(19)), ("odds", at(19))]
    # Placed again after a later slot: the same single trigger; past the moment, none.
    planner()
    assert [job.id for job in scheduler.get_jobs()] == [PRE_TIP_ID]
    now = at(19, 5)
    assert planner() == []
    assert scheduler.get_job(PRE_TIP_ID) is None
