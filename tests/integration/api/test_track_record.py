"""Grading served predictions from box scores, and GET /api/track_record over HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from statmusepicks.data.db.models import Prediction
from statmusepicks.services.container import Container
from statmusepicks.services.grading import grade, settle
from statmusepicks.services.predictions import prediction_service
from tests import factories

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


async def test_grading_fills_only_the_grade_columns_and_the_record_adds_up(
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
