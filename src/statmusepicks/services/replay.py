"""Use case: replay a stretch of a season day by day, exactly as the worker would have lived it.

Each day runs the worker's own slots (`season_day.run_day`, the same runner and jobs) against
the configured sources; the `served_board` slot logs the day's board as served predictions
(graded, scored daily and watched for drift by the next mornings' jobs), and the same board,
from the lines captured by then, is written to `boards/<date>.csv`. The next morning's
box-score slot brings the games, and the board is graded into `graded/<date>.csv` (the last
board is settled by the morning after the range). The report scores what was served per week
and per stat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import STATS
from statmusepicks.data.db.models import PlayerGameStats, PropLine
from statmusepicks.data.repositories import players as repo
from statmusepicks.evaluation.odds import devig
from statmusepicks.evaluation.replay_report import write_replay_report
from statmusepicks.evaluation.replay_summary import summarize_replay
from statmusepicks.models.train_config import quick_config
from statmusepicks.services.board_log import JOB as BOARD_JOB
from statmusepicks.services.board_log import upcoming_board
from statmusepicks.services.container import Container
from statmusepicks.services.grading import settle
from statmusepicks.services.jobs import Job, JobReport
from statmusepicks.services.odds_jobs import sync_odds_snapshot
from statmusepicks.services.retrain import weekly_retrain
from statmusepicks.services.season_day import (
    SEASON_JOBS,
    DayOutcome,
    SlotRunner,
    run_day,
)

log = get_logger(__name__)

BOARD_COLUMNS = [
    "date",
    "player_id",
    "player",
    "stat",
    "line",
    "best_over_odds",
    "best_over_book",
    "best_under_odds",
    "best_under_book",
    "over_probability",
    "market_over_probability",
    "recommendation",
    "model_version",
]
# Kept beside the board in the graded file: P(over | no push) needs the under side too.
GRADE_COLUMNS = ["under_probability", "actual", "result", "profit"]
# The morning after the range: slots before noon bring the last day's box scores and grades.
SETTLING_MORNING = dt.time(12, 0)


@dataclass
class ReplayResult:
    """The days replayed, the graded boards, the summary and the files written."""

    days: list[DayOutcome] = field(default_factory=list)
    graded: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


def historical_odds_snapshot(container: Container, as_of: dt.datetime) -> JobReport:
    """The odds job of a replayed slot: the snapshot The Odds API kept at `as_of`."""
    return sync_odds_snapshot(container, as_of, historical=True)


def as_replayed(jobs: Sequence[Job]) -> list[Job]:
    """The worker's jobs, with the live odds snapshot read from the API's history instead."""
    return [
        replace(job, run=historical_odds_snapshot) if job.run is sync_odds_snapshot else job
        for job in jobs
    ]


def with_quick_retrain(jobs: Sequence[Job]) -> list[Job]:
    """The jobs with the weekly retrain fitting the quick model set (a few minutes) instead of
    the full pipeline (hours on two cores): a replay then still registers weekly challengers."""
    quick = partial(weekly_retrain, base=quick_config())
    return [replace(job, run=quick) if job.run is weekly_retrain else job for job in jobs]


def board_moment(day: DayOutcome) -> dt.datetime:
    """When the day's board was served: its `served_board` slot, else the day's last slot."""
    served = [s.slot.as_of for s in day.slots if s.slot.job.name == BOARD_JOB]
    return served[-1] if served else max(s.slot.as_of for s in day.slots)


def board_frame(answer: dict[str, Any]) -> pd.DataFrame:
    """The board's answer as rows in the served-board file's columns (+ under_probability)."""
    rows = [
        {
            "date": answer["date"],
            "player_id": prop["player_id"],
            "player": prop["player"],
            "stat": prop["stat"],
            "line": prop["line"],
            "best_over_odds": prop["best_over"]["odds"],
            "best_over_book": prop["best_over"]["book"],
            "best_under_odds": prop["best_under"]["odds"],
            "best_under_book": prop["best_under"]["book"],
            "over_probability": prop["over_probability"],
            "market_over_probability": prop["market_over_probability"],
            "recommendation": prop["decision"],
            "model_version": prop["model_version"],
            "under_probability": prop["under_probability"],
        }
        for prop in answer["props"]
    ]
    return pd.DataFrame(rows, columns=[*BOARD_COLUMNS, "under_probability"])


def served_board(container: Container, day: dt.date, as_of: dt.datetime) -> pd.DataFrame:
    """The board of `day` as it would have been served at `as_of` (games not yet started)."""
    return board_frame(upcoming_board(container, day, as_of))


def grade_board(container: Container, served: pd.DataFrame) -> pd.DataFrame:
    """Actual, result and profit of each served prop (void: no box score, game day covered;
    an empty result: the day is not covered yet)."""
    if served.empty:
        return served.assign(actual=[], result=[], profit=[])
    day = dt.date.fromisoformat(str(served["date"].iloc[0]))
    ids = [int(pid) for pid in served["player_id"].unique()]
    with container.sessions() as session:
        latest = repo.latest_game_date(session)
        box = {
            row.player_id: row
            for row in session.scalars(
                select(PlayerGameStats).where(
                    PlayerGameStats.game_date == day, PlayerGameStats.player_id.in_(ids)
                )
            )
        }
    covered = latest is not None and latest >= day
    actual: list[float | None] = []
    result: list[str | None] = []
    profit: list[float | None] = []
    for prop in served.itertuples(index=False):
        game = box.get(int(prop.player_id))
        if game is None:
            actual.append(None)
            result.append("void" if covered else None)
            profit.append(0.0 if covered and prop.recommendation != "PASS" else None)
            continue
        value = float(sum(getattr(game, column) * w for column, w in STATS[prop.stat].weights))
        outcome, gain = settle(
            str(prop.recommendation),
            float(prop.line),
            value,
            int(prop.best_over_odds),
            int(prop.best_under_odds),
        )
        actual.append(value)
        result.append(outcome)
        profit.append(gain)
    return served.assign(actual=actual, result=result, profit=profit)


def closing_consensus(container: Container, graded: pd.DataFrame) -> pd.DataFrame:
    """`close_market_over_probability`: the de-vigged consensus of each book's last snapshot
    before tip-off, only where a prop had more than one snapshot (otherwise close = served)."""
    if graded.empty:
        return graded.assign(close_market_over_probability=[])
    days = sorted({dt.date.fromisoformat(str(d)) for d in graded["date"]})
    with container.sessions() as session:
        lines = pd.read_sql(
            select(
                PropLine.game_date,
                PropLine.player_id,
                PropLine.market,
                PropLine.line,
                PropLine.bookmaker,
                PropLine.over_price,
                PropLine.under_price,
                PropLine.captured_at,
                PropLine.commence_time,
            ).where(
                PropLine.game_date.in_(days),
                PropLine.player_id.is_not(None),
                PropLine.over_price.is_not(None),
                PropLine.under_price.is_not(None),
            ),
            session.connection(),
        )
    captured = pd.to_datetime(lines["captured_at"], utc=True)
    commence = pd.to_datetime(lines["commence_time"], utc=True)
    lines = lines[commence.isna() | (captured < commence)].assign(captured=captured)
    keys = ["game_date", "player_id", "market", "line"]
    snapshots = lines.groupby(keys)["captured"].nunique().rename("snapshots")
    last = lines.sort_values("captured").drop_duplicates([*keys, "bookmaker"], keep="last")
    last = last.assign(p=devig(last["over_price"].astype(float), last["under_price"].astype(float)))
    close = last.groupby(keys)["p"].mean().rename("close").to_frame().join(snapshots)
    close = close.reset_index().assign(
        date=lambda f: pd.to_datetime(f["game_date"]).dt.strftime("%Y-%m-%d"),
        close_market_over_probability=lambda f: f["close"].where(f["snapshots"] > 1),
    )
    merged = graded.assign(date=graded["date"].astype(str)).merge(
        close[["date", "player_id", "market", "line", "close_market_over_probability"]].rename(
            columns={"market": "stat"}
        ),
        on=["date", "player_id", "stat", "line"],
        how="left",
    )
    return merged.assign(
        close_market_over_probability=merged["close_market_over_probability"].astype(float)
    )


def _write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def replay_season(
    container: Container,
    start: dt.date,
    end: dt.date,
    output: Path,
    *,
    runner: SlotRunner,
    jobs: Sequence[Job] = SEASON_JOBS,
    bootstrap_samples: int = 2000,
) -> ReplayResult:
    """Run every day of [start, end] as the worker would, serve and grade each day's board,
    and write the report to `output`."""
    jobs = as_replayed(jobs)
    result = ReplayResult()
    pending: pd.DataFrame | None = None
    graded_boards: list[pd.DataFrame] = []
    day = start
    while day <= end:
        lived = run_day(container, day, runner=runner, jobs=jobs)
        result.days.append(lived)
        if pending is not None:
            graded_boards.append(_settle(container, pending, output))
        served = served_board(container, day, board_moment(lived))
        _write(served[BOARD_COLUMNS], output / "boards" / f"{day.isoformat()}.csv")
        log.info("replay.board_served", day=day.isoformat(), props=len(served))
        pending = served
        day += dt.timedelta(days=1)
    zone = ZoneInfo(container.settings.sync_timezone)
    morning = dt.datetime.combine(day, SETTLING_MORNING, tzinfo=zone).astimezone(dt.UTC)
    result.days.append(run_day(container, day, until=morning, runner=runner, jobs=jobs))
    if pending is not None:
        graded_boards.append(_settle(container, pending, output))
    graded = pd.concat(graded_boards, ignore_index=True) if graded_boards else pd.DataFrame()
    return report_replay(
        container, graded, output, bootstrap_samples=bootstrap_samples, into=result
    )


def report_replay(
    container: Container,
    graded: pd.DataFrame,
    output: Path,
    *,
    bootstrap_samples: int = 2000,
    into: ReplayResult | None = None,
) -> ReplayResult:
    """Score graded boards (with their closing lines) and write the report to output/report."""
    result = into or ReplayResult()
    result.graded = closing_consensus(container, graded) if len(graded) else graded
    if len(result.graded):
        result.summary = summarize_replay(result.graded, samples=bootstrap_samples)
        result.paths = write_replay_report(result.summary, result.graded, output / "report")
    return result


def read_graded(output: Path) -> pd.DataFrame:
    """Every graded board a replay wrote under `output` (an interrupted one included)."""
    files = sorted((output / "graded").glob("*.csv"))
    if not files:
        return pd.DataFrame()
    return pd.concat([pd.read_csv(path) for path in files], ignore_index=True)


def _settle(container: Container, served: pd.DataFrame, output: Path) -> pd.DataFrame:
    graded = grade_board(container, served)
    if len(graded):
        _write(graded, output / "graded" / f"{graded['date'].iloc[0]}.csv")
    return graded


def failed_slots(result: ReplayResult) -> list[dict[str, Any]]:
    """The replayed slots that failed after every attempt (for the command's output)."""
    return [
        {
            "as_of": slot.slot.as_of.isoformat(),
            "job": slot.slot.job.name,
            "status": slot.status,
            "attempts": slot.attempts,
        }
        for day in result.days
        for slot in day.slots
        if slot.status == "failed"
    ]
