"""The data jobs of a season day: box scores as of a slot, the alerts, the hand-offs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import structlog
from sqlalchemy import Engine, select

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.clients.upstream import RetryPolicy
from statmusepicks.data.db.models import Game, Prediction
from statmusepicks.data.db.session import make_session_factory
from statmusepicks.data.ingest.daily import sync_nba
from statmusepicks.services.container import Container
from statmusepicks.services.sync import (
    Alerter,
    grade_predictions,
    invalidate_cache,
    stale_message,
)
from tests.upstream_fakes import FakeClock, answer_game_log, game_log_rows

# 06:00 New York on 2025-11-17: the fabricated games of 2025-11-15/16 are complete.
AS_OF = dt.datetime(2025, 11, 17, 11, 0, tzinfo=dt.UTC)
REAL_DAY = dt.date(2025, 11, 14)


@pytest.fixture(autouse=True)
def fresh_logging() -> None:
    """Log to the current stderr even if an earlier CLI test configured a stream now closed."""
    structlog.reset_defaults()


@pytest.fixture
def db(sqlite_engine: Engine, tmp_path: Path) -> Engine:
    """A database holding the real 2025-11-14 games, the last day before the fabricated ones."""
    sync_nba(sqlite_engine, nba_client(tmp_path), since=REAL_DAY, until=REAL_DAY)
    return sqlite_engine


class Webhook:
    """Records what the alerting POSTs."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        self.status = status
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.posts.append(json.loads(request.content))
        return httpx.Response(self.status)


def nba_client(tmp_path: Path, *, failing: bool = False) -> NBAStatsClient:
    payloads = {"P": game_log_rows("P"), "T": game_log_rows("T")}

    def handler(request: httpx.Request) -> httpx.Response:
        if failing:
            return httpx.Response(503)
        return httpx.Response(200, json=answer_game_log(dict(request.url.params), payloads))

    settings = Settings(environment="test", var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return NBAStatsClient.from_settings(
        settings,
        transport=httpx.MockTransport(handler),
        clock=FakeClock(),
        retry=RetryPolicy(sleep=lambda _: None),
    )


def container_for(engine: Engine, tmp_path: Path, cache: MemoryCache | None = None) -> Container:
    return Container(
        settings=Settings(environment="test", var_dir=tmp_path, _env_file=None),  # type: ignore[call-arg]
        engine=engine,
        sessions=make_session_factory(engine),
        cache=cache or MemoryCache("test-sync"),
    )


def test_an_alert_is_logged_and_posted_to_the_webhook() -> None:
    webhook = Webhook()
    delivered = Alerter("https://hooks.test/x", transport=webhook.transport).alert(
        "sync.nba_failed", "NBA sync failed: boom", error="upstream_error"
    )
    assert delivered
    assert webhook.posts == [
        {
            "text": "[statmusepicks] NBA sync failed: boom",
            "event": "sync.nba_failed",
            "error": "upstream_error",
        }
    ]


def test_a_webhook_that_is_down_never_breaks_the_sync() -> None:
    webhook = Webhook(status=502)
    assert not Alerter("https://hooks.test/x", transport=webhook.transport).alert("e", "m")


def test_without_a_webhook_alerts_are_only_logged() -> None:
    assert not Alerter(None).alert("e", "m")


def test_a_sync_as_of_a_morning_reads_up_to_the_day_before(db: Engine, tmp_path: Path) -> None:
    report = sync_nba(db, nba_client(tmp_path), as_of=AS_OF)
    assert (report.since, report.until) == (dt.date(2025, 11, 15), dt.date(2025, 11, 16))
    assert report.games_added == 15
    assert 9900001 in report.players_touched
    early = sync_nba(db, nba_client(tmp_path), as_of=AS_OF - dt.timedelta(days=1))
    assert early.until == dt.date(2025, 11, 15)
    assert early.games_added == 0


def schedule_game(engine: Engine, day: dt.date) -> None:
    with make_session_factory(engine).begin() as session:
        session.add(
            Game(
                game_id="0022599999", game_date=day, season="2025-26",
                season_type="Regular Season", home_team="BOS", away_team="NYK",
                status="scheduled",
            )
        )  # fmt: skip


def test_a_game_day_without_box_scores_a_day_later_is_stale(db: Engine, tmp_path: Path) -> None:
    sync_nba(db, nba_client(tmp_path), as_of=AS_OF)
    day = dt.timedelta(hours=24)
    # No game scheduled after the stored ones: days without games bring nothing, as expected.
    assert stale_message(db, AS_OF + dt.timedelta(days=3), max_age=day) is None
    schedule_game(db, dt.date(2025, 11, 17))
    # The morning after the game its box scores may still be on the way ...
    assert stale_message(db, AS_OF + dt.timedelta(days=1), max_age=day) is None
    # ... a day later they are overdue.
    later = stale_message(db, AS_OF + dt.timedelta(days=2), max_age=day)
    assert later is not None
    assert "2025-11-17" in later
    assert "2025-11-16" in later


def test_a_quiet_summer_is_not_stale(sqlite_engine: Engine) -> None:
    summer = dt.datetime(2026, 8, 1, 10, tzinfo=dt.UTC)
    assert stale_message(sqlite_engine, summer, max_age=dt.timedelta(hours=24)) is None


def test_cache_invalidation_drops_the_touched_players_contexts_and_the_league_wide_answers(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    cache = MemoryCache("test-sync")
    container = container_for(sqlite_engine, tmp_path, cache)
    for key in ("context:1:points:x", "context:2:points:x", "opponent:BOS:x", "predict:x", "other"):
        cache.set(key, 1, ttl=60)
    invalidate_cache(container, [1])
    remaining = [key for key in ("context:1:points:x", "context:2:points:x", "opponent:BOS:x",
                                 "predict:x", "other") if cache.get(key) is not None]  # fmt: skip
    assert remaining == ["context:2:points:x", "other"]


def _fabricated_box_score() -> tuple[int, dt.date, float]:
    """One player's points in the first fabricated game the sync brings in."""
    result = game_log_rows("P")["resultSets"][0]
    headers = result["headers"]
    row = result["rowSet"][-1]
    day = dt.datetime.strptime(row[headers.index("GAME_DATE")], "%Y-%m-%d").date()
    return int(row[headers.index("PLAYER_ID")]), day, float(row[headers.index("PTS")])


def test_the_grade_job_settles_only_games_before_its_day(db: Engine, tmp_path: Path) -> None:
    player_id, day, points = _fabricated_box_score()
    sessions = make_session_factory(db)
    with sessions.begin() as session:
        session.add(
            Prediction(
                player_id=player_id, player_name="x", stat="points", line=points - 0.5,
                game_date=day, odds_over=-110, odds_under=-110, predicted_value=points,
                over_probability=0.6, under_probability=0.4, push_probability=0.0,
                recommendation="OVER", expected_value=0.1, kelly_fraction=0.01,
                model_version="v1", model_scope="global", request={},
            )
        )  # fmt: skip
    sync_nba(db, nba_client(tmp_path), as_of=AS_OF)
    container = container_for(db, tmp_path)
    # As of the game's own day its box score is stored but not yet readable.
    same_day = dt.datetime.combine(day, dt.time(23, 0), tzinfo=dt.UTC)
    assert grade_predictions(container, same_day).details["graded"] == 0
    report = grade_predictions(container, AS_OF)
    assert report.ok
    assert report.details["graded"] == 1
    with sessions() as session:
        graded = session.scalars(select(Prediction)).one()
    assert (graded.actual, graded.result) == (points, "over")
    assert graded.graded_at.replace(tzinfo=dt.UTC) == AS_OF
    assert graded.profit == pytest.approx(100 / 110)
