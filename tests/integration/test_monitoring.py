"""Monitoring on planted predictions: stored daily scores equal a direct computation, a planted
accuracy drop raises exactly one alert that its recovery clears, and data-quality rates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss
from sqlalchemy import Engine, insert, select

from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models import IngestionRun, PropLine, QuarantinedRow
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.data.db.models_monitoring import (
    DataQualityDaily,
    ModelDailyMetrics,
    MonitoringAlert,
)
from statmusepicks.evaluation.metrics import expected_calibration_error, wilson_interval
from statmusepicks.evaluation.odds import devig
from statmusepicks.services.container import Container
from statmusepicks.services.data_quality import freshness, record_data_quality
from statmusepicks.services.monitoring import record_daily_metrics
from statmusepicks.services.monitoring_alerts import evaluate_alerts
from statmusepicks.services.sync import Alerter
from tests.environments import memory_container
from tests.prediction_rows import plant_predictions, prediction_row

UTC = dt.UTC
DAY = dt.date(2025, 11, 10)


@pytest.fixture
def container(engine: Engine, settings: Settings) -> Container:
    return memory_container(settings.model_copy(update={"monitoring_min_settled": 20}), engine)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


def plant(
    container: Container,
    day: dt.date,
    p_over: np.ndarray,
    went_over: np.ndarray,
    *,
    stat: str = "points",
    version: str = "v1",
    first_player: int = 1,
) -> list[int]:
    """Predictions served at 12:00 and graded the next morning: OVER when p > 0.5 at -110."""
    rows = []
    for i, (p, over) in enumerate(zip(p_over, went_over, strict=True)):
        bet = "OVER" if p > 0.5 else "UNDER"
        won = (bet == "OVER") == bool(over)
        rows.append(
            prediction_row(
                player_id=first_player + i,
                player_name=f"P{first_player + i}",
                game_date=day,
                model_version=version,
                created_at=_at(day, 12),
                stat=stat,
                over_probability=float(p) * 0.96,
                under_probability=(1 - float(p)) * 0.96,
                push_probability=0.04,
                recommendation=bet,
                graded_at=_at(day + dt.timedelta(days=1), 7),
                actual=25.0 if over else 15.0,
                result="over" if over else "under",
                profit=100 / 110 if won else -1.0,
            )
        )
    return plant_predictions(container.engine, rows)


def test_daily_rows_equal_a_direct_computation(container: Container) -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0.2, 0.8, 60)
    over = rng.random(60) < p
    ids = plant(container, DAY, p, over)
    # A repeated request for the same prop counts once; a different model version has its row.
    plant(container, DAY, p[:1], over[:1])
    plant(container, DAY, p[:5], over[:5], version="v2", first_player=500)
    lines = [
        {
            "season": "2025-26",
            "game_date": DAY,
            "captured_at": _at(DAY, hour),
            "away_team": "AAA",
            "home_team": "BBB",
            "player_name": f"P{i + 1}",
            "player_id": i + 1,
            "market": "points",
            "bookmaker": "book",
            "line": 20.5,
            # An hour after serving the line moved: the row the model faced is the 10:00 one.
            "over_price": -110 if hour == 10 else +300,
            "under_price": -110 if hour == 10 else -400,
            "source": "test",
        }
        for i in range(20)
        for hour in (10, 13)
    ]
    with container.sessions.begin() as session:
        session.execute(insert(PropLine), lines)
        session.execute(
            insert(ClosingValue),
            [
                {
                    "prediction_id": pid,
                    "side": "over",
                    "taken_price": -110,
                    "closing_price": -120,
                    "closing_probability": 0.55,
                    "closing_captured_at": _at(DAY, 23),
                    "n_books": 1,
                    "clv": 0.01 * k,
                    "price_clv": 0.0,
                    "computed_at": _at(DAY + dt.timedelta(days=1), 7),
                }
                for k, pid in enumerate(ids[:10])
            ],
        )

    report = record_daily_metrics(container, _at(DAY + dt.timedelta(days=1), 8))

    assert report.ok
    assert report.rows == 2
    with container.sessions() as session:
        row = session.scalars(
            select(ModelDailyMetrics).where(ModelDailyMetrics.model_version == "v1")
        ).one()
    y = over.astype(float)
    assert row.predictions == 60
    assert row.graded == 60
    assert row.settled == 60
    assert row.brier == pytest.approx(brier_score_loss(y, p))
    assert row.log_loss == pytest.approx(log_loss(y, p))
    assert row.ece == pytest.approx(expected_calibration_error(y, p))
    bet_over = p > 0.5
    wins = int((bet_over == over).sum())
    assert (row.bets, row.wins, row.losses) == (60, wins, 60 - wins)
    low, high = wilson_interval(wins, 60) or (0, 0)
    assert (row.hit_rate_low, row.hit_rate_high) == (pytest.approx(low), pytest.approx(high))
    profit = wins * 100 / 110 - (60 - wins)
    assert row.roi == pytest.approx(profit / 60)
    assert row.clv == pytest.approx(np.mean([0.01 * k for k in range(10)]))
    assert row.clv_bets == 10
    fair = float(devig(-110, -110))
    assert row.market_matched == 20
    assert row.market_brier == pytest.approx(brier_score_loss(y[:20], np.full(20, fair)))
    assert row.model_brier_on_market == pytest.approx(brier_score_loss(y[:20], p[:20]))


def test_grades_after_the_as_of_time_are_not_known_yet(container: Container) -> None:
    plant(container, DAY, np.full(10, 0.6), np.ones(10, bool))
    record_daily_metrics(container, _at(DAY, 23))
    with container.sessions() as session:
        row = session.scalars(select(ModelDailyMetrics)).one()
    assert (row.predictions, row.graded, row.brier) == (10, 0, None)

    report = record_daily_metrics(container, _at(DAY + dt.timedelta(days=1), 8))
    with container.sessions() as session:
        row = session.scalars(select(ModelDailyMetrics)).one()
    assert report.details["days"] == [DAY.isoformat()]
    assert row.graded == 10
    assert row.brier == pytest.approx(0.16)


class Webhook:
    """A webhook that records the alerts posted to it."""

    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.posted.append(json.loads(request.content))
        return httpx.Response(200)


def test_an_accuracy_drop_raises_one_alert_and_recovery_clears_it(container: Container) -> None:
    webhook = Webhook()
    alerter = Alerter("http://hook.test/alert", transport=httpx.MockTransport(webhook))
    rng = np.random.default_rng(3)
    days = [DAY + dt.timedelta(days=k) for k in range(12)]
    for k, day in enumerate(days[:3]):
        p = rng.uniform(0.3, 0.7, 40)
        plant(container, day, p, rng.random(40) < p, first_player=1000 * k)
    # The drop: confident forecasts that go the other way.
    for k, day in enumerate(days[3:5], start=3):
        plant(container, day, np.full(40, 0.8), np.arange(40) % 5 == 0, first_player=1000 * k)

    def run(day: dt.date) -> list[str]:
        as_of = _at(day + dt.timedelta(days=1), 9)
        record_daily_metrics(container, as_of)
        return list(evaluate_alerts(container, as_of, alerter=alerter).details["opened"])

    assert run(days[2]) == []
    assert run(days[3]) == ["calibration:points"]
    assert run(days[4]) == []  # still breached: no second alert
    calibration = [a for a in webhook.posted if a["event"] == "monitoring.calibration"]
    assert len(calibration) == 1
    assert calibration[0]["subject"] == "points"

    for k, day in enumerate(days[5:12], start=5):
        p = rng.uniform(0.3, 0.7, 60)
        plant(container, day, p, rng.random(60) < p, first_player=1000 * k)
        run(day)
    with container.sessions() as session:
        alerts = session.scalars(
            select(MonitoringAlert).where(MonitoringAlert.rule == "calibration")
        ).all()
    assert len(alerts) == 1
    assert alerts[0].cleared_at is not None
    assert alerts[0].value is not None
    assert alerts[0].value <= 0.10
    assert len([a for a in webhook.posted if a["event"] == "monitoring.calibration"]) == 1


def _run(kind: str, started: dt.datetime, status: str, rows_in: int, quarantined: int) -> dict:
    return {
        "kind": kind,
        "started_at": started,
        "finished_at": started + dt.timedelta(minutes=5),
        "status": status,
        "rows_in": rows_in,
        "rows_inserted": rows_in - quarantined,
        "rows_updated": 0,
        "rows_quarantined": quarantined,
        "rows_flagged": 0,
        "errors": [],
        "payload_refs": [],
        "details": {"rows_expected": 120} if kind == "odds" else {},
    }


def test_data_quality_rates_and_freshness(container: Container) -> None:
    start = _at(DAY, 10)
    with container.sessions.begin() as session:
        run_ids = session.scalars(
            insert(IngestionRun).returning(IngestionRun.id),
            [
                _run("nba_daily", start, "succeeded", 200, 30),
                _run("nba_daily", start + dt.timedelta(hours=2), "failed", 0, 0),
                _run("odds", start, "succeeded", 100, 0),
            ],
        ).all()
        session.execute(
            insert(QuarantinedRow),
            [
                {
                    "run_id": run_ids[0],
                    "table_name": "player_game_stats",
                    "reason": "'pts' is missing" if i < 25 else "negative minutes",
                    "raw": {},
                    "row_key": str(i),
                }
                for i in range(30)
            ],
        )
    as_of = _at(DAY, 20)
    report = record_data_quality(container, as_of)
    assert report.rows == 2
    with container.sessions() as session:
        rows = {r.source: r for r in session.scalars(select(DataQualityDaily)).all()}
        fresh = {f.dataset: f for f in freshness(session, as_of)}
    nba = rows["nba_daily"]
    assert (nba.runs, nba.failed_runs, nba.rows_received) == (2, 1, 200)
    assert (nba.rows_quarantined, nba.rows_missing_fields, nba.rows_expected) == (30, 25, None)
    assert rows["odds"].rows_expected == 120
    assert fresh["box_scores"].age_hours == pytest.approx(20 - 10 - 5 / 60, abs=0.01)
    assert fresh["lines"].age_hours is None

    opened = evaluate_alerts(container, as_of, alerter=Alerter(None)).details["opened"]
    # 25/200 = 12.5 % missing and 1 run in 2 failed: both over their limits; odds is clean.
    assert sorted(opened) == ["missing_data:nba_daily", "upstream_failures:nba_daily"]
