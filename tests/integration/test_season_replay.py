"""A season lived again: the worker's day against local stand-ins of NBA.com and The Odds API.

The NBA stand-in answers leaguegamelog from the bundled 2025-26 box scores (tests/fakes/
nba_bundled.py); the odds stand-in replays the bundled prop lines, live and historical
(tests/fakes/odds_history.py). The database starts as the small real slice (four teams) with
every game and line from the first replayed day on removed, and serves the slice models.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import structlog
from sqlalchemy import Engine, delete, func, select

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.db.models import (
    Game,
    PlayerGameStats,
    Prediction,
    PredictionGrade,
    PropLine,
    TeamGameStats,
)
from statmusepicks.data.db.models_monitoring import ModelDailyMetrics
from statmusepicks.data.db.session import make_engine, make_session_factory
from statmusepicks.data.ingest.bundled import with_estimated_capture
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import Job
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.replay import BOARD_COLUMNS, ReplayResult, replay_season
from statmusepicks.services.season_day import SEASON_JOBS, SlotRunner, run_day
from statmusepicks.services.sync import sync_box_scores
from tests import factories
from tests.fakes.league_files import LeagueFiles, league_files
from tests.fakes.nba_bundled import bundled_nba_server, plant
from tests.fakes.odds_history import OddsHistory, odds_history_server
from tests.fakes.schedule_bundled import bundled_schedule
from tests.integration.api.conftest import fit_slice_models, register_on_disk
from tests.upstream_fakes import NBAStatsServer, answer_game_log, running

FIRST_BUNDLED = dt.date(2025, 10, 21)
START = dt.date(2025, 11, 4)
LAST_BUNDLED = dt.date(2025, 11, 14)
# The jobs the stand-ins serve (the schedule and injury jobs read other sources).
STAND_IN_JOBS = ("nba_box_scores", "feature_store", "grade", "odds_snapshot")
# The day as it is scored: the schedule, the board logged as served, graded and scored daily.
SERVED_JOBS = (
    "schedule",
    "nba_box_scores",
    "grade",
    "odds_snapshot",
    "closing_values",
    "daily_metrics",
    "served_board",
)
NEW_YORK = ZoneInfo("America/New_York")
CLOCK = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
# 06:00 New York on START + 1: START's games are complete, the next day's are not.
MORNING_AFTER = dt.datetime(2025, 11, 5, 11, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_logging() -> None:
    structlog.reset_defaults()


@pytest.fixture(scope="module")
def slice_models() -> list[StatModel]:
    return fit_slice_models(build_feature_frame(factories.player_logs(), factories.team_logs()))


def season_jobs() -> list[Job]:
    return [job for job in SEASON_JOBS if job.name in STAND_IN_JOBS]


def truncate(engine: Engine, first: dt.date) -> None:
    """Forget every game and line from `first` on: the season has not reached them yet."""
    with engine.begin() as connection:
        for model in (PlayerGameStats, TeamGameStats, Game, PropLine):
            connection.execute(delete(model).where(model.game_date >= first))


def count(engine: Engine, model: type, *where: Any) -> int:
    with engine.connect() as connection:
        statement = select(func.count()).select_from(model).where(*where)
        return int(connection.execute(statement).scalar_one())


@pytest.fixture
def nba() -> Iterator[NBAStatsServer]:
    served = bundled_nba_server(FIRST_BUNDLED, LAST_BUNDLED, teams=factories.SLICE_TEAMS)
    with running(served) as server:
        yield server


@pytest.fixture
def odds() -> Iterator[tuple[OddsHistory, str]]:
    lines = with_estimated_capture(factories.prop_lines())
    day = pd.to_datetime(lines["game_date"]).dt.date
    history = OddsHistory(
        lines[(day >= FIRST_BUNDLED) & (day <= LAST_BUNDLED)].reset_index(drop=True)
    )
    with odds_history_server(history) as base_url:
        yield history, base_url


@pytest.fixture
def schedule() -> Iterator[LeagueFiles]:
    files = LeagueFiles(
        schedule=bundled_schedule(FIRST_BUNDLED, LAST_BUNDLED, teams=factories.SLICE_TEAMS)
    )
    with league_files(files) as served:
        yield served


@pytest.fixture
def season(
    loaded_settings: Settings,
    nba: NBAStatsServer,
    odds: tuple[OddsHistory, str],
    schedule: LeagueFiles,
    slice_models: list[StatModel],
) -> Iterator[Container]:
    """The slice as it stood before START, wired to the stand-ins, serving the slice models."""
    settings = loaded_settings.model_copy(
        update={
            "nba_api_base_url": nba.base_url,
            "nba_api_requests_per_minute": 6000,
            "odds_api_key": "test-key",
            "odds_api_base_url": odds[1],
            "nba_schedule_url": schedule.schedule_url,
            "job_retry_seconds": 0.0,
        }
    )
    engine = make_engine(settings.database_url)
    truncate(engine, START)
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"test-{uuid.uuid4().hex[:8]}"),
    )
    register_on_disk(container, slice_models)
    prediction_service(container).champions.predictor = Predictor.from_models(slice_models)
    yield container
    container.close()


def runner(container: Container) -> SlotRunner:
    return SlotRunner(container, clock=lambda: CLOCK, sleep=lambda _seconds: None)


def replay(
    container: Container,
    start: dt.date,
    end: dt.date,
    output: Path,
    *,
    bootstrap_samples: int,
    jobs: list[Job] | None = None,
) -> ReplayResult:
    """The season's days replayed on the stand-ins' clock, with the stand-in jobs by default."""
    return replay_season(
        container,
        start,
        end,
        output,
        runner=runner(container),
        jobs=season_jobs() if jobs is None else jobs,
        bootstrap_samples=bootstrap_samples,
    )


def test_the_box_score_job_never_reads_a_game_from_its_own_day_or_later(
    season: Container, nba: NBAStatsServer
) -> None:
    plant(nba, MORNING_AFTER.date(), game_id="0029999901")
    plant(nba, dt.date(2025, 11, 20), game_id="0029999902")
    report = sync_box_scores(season, MORNING_AFTER)
    assert report.ok
    assert report.details["until"] == START.isoformat()
    assert report.rows > 0
    assert count(season.engine, PlayerGameStats, PlayerGameStats.game_date > START) == 0
    assert (
        count(
            season.engine,
            PlayerGameStats,
            PlayerGameStats.game_id.in_(["0029999901", "0029999902"]),
        )
        == 0
    )
    assert all(
        r.params["DateTo"] == START.strftime("%m/%d/%Y")
        for r in nba.requests
        if r.path.endswith("leaguegamelog")
    )


def test_rows_an_upstream_sends_past_the_asked_range_are_dropped(
    season: Container, nba: NBAStatsServer
) -> None:
    """An upstream that ignores DateTo still cannot hand a job the future."""
    plant(nba, dt.date(2025, 11, 20), game_id="0029999903")

    def leaky(path: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        import json

        body = answer_game_log({**params, "DateTo": ""}, nba.payloads)
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    nba.handle = leaky  # type: ignore[method-assign]
    assert sync_box_scores(season, MORNING_AFTER).ok
    with season.engine.connect() as connection:
        latest = connection.execute(select(func.max(PlayerGameStats.game_date))).scalar_one()
    assert str(latest)[:10] == START.isoformat()


def test_running_the_same_day_twice_adds_nothing(season: Container) -> None:
    jobs = season_jobs()
    first = run_day(season, START, runner=runner(season), jobs=jobs)
    assert not first.failed, [(s.slot.job.name, s.report) for s in first.failed]
    tables = (PlayerGameStats, TeamGameStats, Game, PropLine)
    before = {model.__tablename__: count(season.engine, model) for model in tables}
    second = run_day(season, START, runner=runner(season), jobs=jobs)
    assert {s.status for s in second.slots} == {"skipped"}
    # The jobs themselves are idempotent too: forced again, the box scores write nothing.
    assert sync_box_scores(season, first.slots[0].slot.as_of).rows == 0
    assert {model.__tablename__: count(season.engine, model) for model in tables} == before


def test_a_short_replay_serves_grades_and_reports_each_day(
    season: Container, tmp_path: Path
) -> None:
    end = START + dt.timedelta(days=1)
    result = replay(season, START, end, tmp_path / "replay", bootstrap_samples=200)
    assert all(not day.failed for day in result.days)
    boards = sorted((tmp_path / "replay" / "boards").glob("*.csv"))
    assert [b.stem for b in boards] == [START.isoformat(), end.isoformat()]
    served = pd.read_csv(boards[0])
    assert list(served.columns) == BOARD_COLUMNS
    assert len(served) > 0
    assert set(served["recommendation"]) <= {"OVER", "UNDER", "PASS"}
    # Every served line was priced from a snapshot captured by the board's time (18:30 New York).
    with season.engine.connect() as connection:
        captured = connection.execute(
            select(func.max(PropLine.captured_at)).where(PropLine.game_date == START)
        ).scalar_one()
    assert pd.Timestamp(captured).tz_localize(None) <= pd.Timestamp("2025-11-04 23:30")
    graded = pd.read_csv(tmp_path / "replay" / "graded" / f"{START.isoformat()}.csv")
    assert graded["result"].isin(["over", "under", "push", "void"]).all()
    assert result.summary["days"] == 2
    weeks = result.summary["by_week"]
    assert list(weeks) == ["2025-11-03"]
    week = weeks["2025-11-03"]
    assert week["settled"] > 0
    assert 0.0 < week["served"]["brier"] < 0.5
    assert 0.0 < week["market"]["brier"] < 0.5
    report = (tmp_path / "replay" / "report" / "report.md").read_text()
    assert "2025-11-03" in report
    for name in ("summary.json", "weekly.png", "reliability.png", "weekly.csv"):
        assert (tmp_path / "replay" / "report" / name).exists()


def test_replayed_boards_are_logged_as_served_then_graded_and_scored_daily(
    season: Container, tmp_path: Path
) -> None:
    end = START + dt.timedelta(days=1)
    jobs = [job for job in SEASON_JOBS if job.name in SERVED_JOBS]
    result = replay(season, START, end, tmp_path / "replay", jobs=jobs, bootstrap_samples=100)
    assert all(not day.failed for day in result.days), [d.failed for d in result.days]
    # The schedule of the morning placed the pre-tip snapshot: 30 minutes before the first tip.
    with season.engine.connect() as connection:
        first_tip = connection.execute(
            select(func.min(Game.tipoff_at)).where(Game.game_date == START)
        ).scalar_one()
    pre_tip = pd.Timestamp(first_tip).tz_localize(None) - pd.Timedelta(minutes=30)
    snapshots = [s.slot.as_of for s in result.days[0].slots if s.slot.job.name == "odds_snapshot"]
    assert pd.Timestamp(max(snapshots)).tz_localize(None) == pre_tip
    # The board each day served is in the prediction log, as of the board's slot (18:40).
    served = pd.read_csv(tmp_path / "replay" / "boards" / f"{START.isoformat()}.csv")
    board_time = dt.datetime.combine(START, dt.time(18, 40), tzinfo=NEW_YORK).astimezone(dt.UTC)
    with season.sessions() as session:
        logged = session.scalars(select(Prediction).where(Prediction.game_date == START)).all()
        grades = count(
            season.engine,
            PredictionGrade,
            PredictionGrade.prediction_id.in_([row.id for row in logged]),
        )
        daily = session.scalars(
            select(ModelDailyMetrics).where(ModelDailyMetrics.day == START)
        ).all()
    assert len(logged) == len(served) > 0
    assert {pd.Timestamp(row.created_at).tz_localize(None) for row in logged} == {
        pd.Timestamp(board_time).tz_localize(None)
    }
    assert {row.model_version for row in logged} == set(served["model_version"])
    # The next morning graded them (a player without a box score waits: the day may still be
    # loading), and the daily metrics scored the graded day.
    assert 0.8 * len(logged) < grades <= len(logged)
    assert daily
    assert sum(row.graded for row in daily) > 0
    assert all(row.brier is not None for row in daily if row.settled)


@pytest.mark.slow
def test_the_whole_bundled_stretch_replays(season: Container, tmp_path: Path) -> None:
    truncate(season.engine, FIRST_BUNDLED)
    result = replay(season, FIRST_BUNDLED, LAST_BUNDLED, tmp_path / "replay", bootstrap_samples=500)
    assert all(not day.failed for day in result.days)
    assert len(list((tmp_path / "replay" / "boards").glob("*.csv"))) == 25
    assert list(result.summary["by_week"]) == [
        "2025-10-20",
        "2025-10-27",
        "2025-11-03",
        "2025-11-10",
    ]
    assert result.summary["overall"]["settled"] > 1000
