"""The morning sync: NBA then odds then the hand-off callbacks, alerting on every failure."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import structlog
from sqlalchemy import Engine, select

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.clients.nba_stats import NBAStatsClient
from statmusepicks.data.clients.upstream import RetryPolicy
from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.session import make_session_factory
from statmusepicks.data.ingest.daily import sync_nba
from statmusepicks.services.container import Container
from statmusepicks.services.sync import (
    Alerter,
    SyncOutcome,
    grade_predictions,
    invalidate_cache,
    raise_if_failed,
    run_daily_sync,
    stale_message,
)
from tests.upstream_fakes import FakeClock, answer_game_log, game_log_rows

TODAY = dt.date(2025, 11, 17)
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


def test_new_games_are_handed_to_the_next_steps_with_the_players_touched(
    db: Engine, tmp_path: Path
) -> None:
    webhook = Webhook()
    touched: list[list[int]] = []
    outcome = run_daily_sync(
        db,
        nba_client=nba_client(tmp_path),
        odds_client=None,
        alerter=Alerter("https://hooks.test/x", transport=webhook.transport),
        on_players_touched=[touched.append],
        today=TODAY,
    )
    assert outcome.ok
    assert not outcome.stale
    assert outcome.nba is not None
    assert outcome.nba.games_added == 15
    assert len(touched) == 1
    assert 9900001 in touched[0]
    assert webhook.posts == []


def test_a_failed_nba_sync_alerts_and_reports_failure(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    webhook = Webhook()
    outcome = run_daily_sync(
        sqlite_engine,
        nba_client=nba_client(tmp_path, failing=True),
        odds_client=None,
        alerter=Alerter("https://hooks.test/x", transport=webhook.transport),
        today=TODAY,
    )
    assert not outcome.ok
    assert webhook.posts[0]["event"] == "sync.nba_failed"
    assert "HTTP 503" in webhook.posts[0]["text"]
    with pytest.raises(UpstreamError, match="nba: "):
        raise_if_failed(outcome)


def test_nothing_new_for_more_than_a_day_in_season_raises_a_stale_data_alert(
    db: Engine, tmp_path: Path
) -> None:
    webhook = Webhook()
    alerter = Alerter("https://hooks.test/x", transport=webhook.transport)
    run_daily_sync(
        db, nba_client=nba_client(tmp_path), odds_client=None, alerter=alerter, today=TODAY
    )
    later = run_daily_sync(
        db,
        nba_client=nba_client(tmp_path),
        odds_client=None,
        alerter=alerter,
        today=TODAY + dt.timedelta(days=3),
    )
    assert later.ok
    assert later.stale
    assert webhook.posts[-1]["event"] == "sync.stale_data"
    assert "2025-11-16" in webhook.posts[-1]["text"]


def test_a_quiet_summer_is_not_stale(sqlite_engine: Engine) -> None:
    assert stale_message(sqlite_engine, dt.date(2026, 8, 1), max_age=dt.timedelta(hours=24)) is None


def test_a_failing_hand_off_step_alerts_but_keeps_the_stored_games(
    db: Engine, tmp_path: Path
) -> None:
    webhook = Webhook()

    def refresh_features(player_ids: list[int]) -> None:
        raise RuntimeError("feature store offline")

    outcome = run_daily_sync(
        db,
        nba_client=nba_client(tmp_path),
        odds_client=None,
        alerter=Alerter("https://hooks.test/x", transport=webhook.transport),
        on_players_touched=[refresh_features],
        today=TODAY,
    )
    assert outcome.nba is not None
    assert outcome.nba.games_added == 15
    assert outcome.errors == ["refresh_features: RuntimeError('feature store offline')"]
    assert webhook.posts[0]["event"] == "sync.hook_failed"


def test_an_outcome_without_errors_is_ok() -> None:
    raise_if_failed(SyncOutcome())


def test_cache_invalidation_drops_the_touched_players_contexts_and_the_league_wide_answers(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    cache = MemoryCache("test-sync")
    container = Container(
        settings=Settings(environment="test", var_dir=tmp_path, _env_file=None),  # type: ignore[call-arg]
        engine=sqlite_engine,
        sessions=make_session_factory(sqlite_engine),
        cache=cache,
    )
    for key in ("context:1:points:x", "context:2:points:x", "opponent:BOS:x", "predict:x", "other"):
        cache.set(key, 1, ttl=60)
    invalidate_cache(container)([1])
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


def test_the_sync_settles_predictions_whose_box_scores_it_brings(
    db: Engine, tmp_path: Path
) -> None:
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
    container = Container(
        settings=Settings(environment="test", var_dir=tmp_path, _env_file=None),  # type: ignore[call-arg]
        engine=db,
        sessions=sessions,
        cache=MemoryCache("test-grade"),
    )
    outcome = run_daily_sync(
        db,
        nba_client=nba_client(tmp_path),
        odds_client=None,
        alerter=Alerter(None),
        on_players_touched=[grade_predictions(container)],
        today=TODAY,
    )
    assert outcome.ok, outcome.errors
    with sessions() as session:
        graded = session.scalars(select(Prediction)).one()
    assert (graded.actual, graded.result) == (points, "over")
    assert graded.profit == pytest.approx(100 / 110)
