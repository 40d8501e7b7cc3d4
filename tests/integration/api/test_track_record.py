"""Grading served predictions from box scores (appended, chained grade rows), and
GET /api/track_record with its closing-line value over HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.models_market import ClosingValue
from statmusepicks.services.container import Container
from statmusepicks.services.grading import grade, settle
from statmusepicks.services.predictions import prediction_service
from statmusepicks.services.track_record_chain import verify
from statmusepicks.web.access import AGE_COOKIE
from tests import factories
from tests.prediction_rows import plant_predictions, prediction_row

JOKIC = 203999
# DEN played at SAC on 2025-11-11 and the box scores hold that game.
PLAYED = "2025-11-11"
# DEN did not play on 2025-11-10.
IDLE = "2025-11-10"


def _actual(column: str, day: str) -> float:
    logs = factories.player_logs()
    row = logs[(logs["player_id"] == JOKIC) & (logs["game_date"].astype(str) == day)]
    return float(row[column].iloc[0])


async def _serve(client: httpx.AsyncClient, **payload: object) -> dict[str, object]:
    response = await client.post("/api/predict", json={"player": "Nikola Jokic", **payload})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_settling_pays_the_taken_price_and_returns_pushes() -> None:
    assert settle("OVER", 25.5, 30, -110, -110) == ("over", pytest.approx(100 / 110))
    assert settle("UNDER", 25.5, 30, -110, +120) == ("over", -1.0)
    assert settle("UNDER", 25.5, 20, -110, +120) == ("under", pytest.approx(1.2))
    assert settle("OVER", 25.0, 25, -110, -110) == ("push", 0.0)
    assert settle("PASS", 25.5, 30, -110, -110) == ("over", None)


async def test_grading_appends_grades_and_the_record_adds_up(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    served = [
        await _serve(client, stat="points", line=20.5, date=PLAYED, odds_over=-120),
        await _serve(client, stat="rebounds", line=30.5, date=PLAYED),
        await _serve(client, stat="points", line=25.5, date=IDLE),
        await _serve(client, stat="assists", line=9.5),  # next game: not played yet
    ]
    prediction_service(api_container).recorder.flush()
    with api_container.sessions() as session:
        before = {
            row.id: (row.predicted_value, row.over_probability, row.recommendation, row.request)
            for row in session.scalars(select(Prediction))
        }
    report = grade(api_container)
    assert (report.graded, report.void, report.pending) == (2, 1, 1)
    assert grade(api_container).graded == 0  # idempotent: graded rows are left alone
    checked = verify(api_container)
    assert checked.ok, checked.first_break
    assert checked.head.seq == 4 + 3  # four served, then three grades appended
    with api_container.sessions() as session:
        rows = session.scalars(select(Prediction).order_by(Prediction.id)).all()
    assert {
        row.id: (row.predicted_value, row.over_probability, row.recommendation, row.request)
        for row in rows
    } == before
    points, rebounds, idle, pending = rows
    assert points.actual == _actual("pts", PLAYED)
    assert points.result == ("over" if points.actual > 20.5 else "under")
    assert rebounds.result == "under"
    assert idle.result == "void"
    assert idle.actual is None
    assert pending.graded_at is None
    if served[0]["recommendation"] == "OVER":
        assert points.profit == pytest.approx(100 / 120)

    record = (await client.get("/api/track_record")).json()
    assert record["from"] == PLAYED
    assert record["to"] == PLAYED
    overall = record["overall"]
    assert overall["predictions"] == 2  # the void one is not counted
    assert overall["settled"] == 2
    bets = [row for row in (points, rebounds) if row.recommendation != "PASS"]
    assert overall["bets"] == len(bets)
    assert overall["profit_units"] == pytest.approx(sum(r.profit or 0 for r in bets), abs=1e-3)
    assert set(record["by_stat"]) == {"points", "rebounds"}
    p_points = points.over_probability / (points.over_probability + points.under_probability)
    p_rebounds = rebounds.over_probability / (
        rebounds.over_probability + rebounds.under_probability
    )
    hit = 1.0 if points.result == "over" else 0.0
    brier = ((p_points - hit) ** 2 + p_rebounds**2) / 2
    assert overall["brier"] == pytest.approx(brier, abs=1e-3)


async def test_an_empty_record_is_honest(client: httpx.AsyncClient) -> None:
    record = (await client.get("/api/track_record")).json()
    assert record["overall"]["predictions"] == 0
    assert record["overall"]["hit_rate"] is None
    assert record["from"] is None


async def test_closing_line_value_sits_next_to_roi(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    """Three OVER bets at -110, two with a close: CLV is their mean, in the API and on the
    dashboard's track record."""
    day = dt.date(2025, 11, 12)
    graded = dt.datetime(2025, 11, 13, 7, tzinfo=dt.UTC)
    ids = plant_predictions(
        api_container.engine,
        [
            prediction_row(
                player_id=JOKIC + i,
                player_name=f"P{i}",
                game_date=day,
                model_version="smp-points-global:1",
                recommendation="OVER",
                over_probability=0.56,
                under_probability=0.44,
                graded_at=graded,
                actual=25.0,
                result="over",
                profit=100 / 110,
            )
            for i in range(3)
        ],
    )
    closes = [(-130, 0.04, 0.05), (+100, -0.03, -0.09)]  # closing price, clv, price_clv
    with api_container.sessions.begin() as session:
        for prediction_id, (price, clv, price_clv) in zip(ids, closes, strict=False):
            session.add(
                ClosingValue(
                    prediction_id=prediction_id,
                    side="over",
                    taken_price=-110,
                    closing_price=price,
                    closing_probability=0.55,
                    closing_captured_at=graded,
                    n_books=2,
                    clv=clv,
                    price_clv=price_clv,
                    computed_at=graded,
                )
            )
    overall = (await client.get("/api/track_record")).json()["overall"]
    assert overall["bets"] == 3
    assert overall["clv_bets"] == 2
    assert overall["clv"] == pytest.approx(0.005)
    assert overall["price_clv"] == pytest.approx(-0.02)
    assert overall["beat_close_rate"] == pytest.approx(0.5)
    assert overall["roi"] == pytest.approx(100 / 110, abs=1e-3)
    page = (await client.get("/models", cookies={AGE_COOKIE: "21"})).text
    assert 'data-testid="clv">+0.5%' in page
    assert "50.0% of 2" in page
