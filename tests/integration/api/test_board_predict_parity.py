"""The board and /api/predict price the same prop identically: one serving path, over HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import insert

from statmusepicks.core.league_clock import day_start
from statmusepicks.data.db.models import Injury
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import invalidate_predictions

JOKIC = 203999
MURRAY = 1627750
# DEN at SAC: seven books priced Jokic points at 27.5 that day.
LINE_DATE = "2025-11-11"
PRICED = (
    "predicted_value",
    "over_probability",
    "under_probability",
    "model_over_probability",
    "market_over_probability",
    "expected_value",
    "edge",
)


async def _board_prop(client: httpx.AsyncClient) -> dict[str, object]:
    board = await client.get("/api/board", params={"date": LINE_DATE, "stat": "points"})
    assert board.status_code == 200, board.text
    (prop,) = [p for p in board.json()["props"] if p["player_id"] == JOKIC and p["line"] == 27.5]
    return prop


async def _predicted(client: httpx.AsyncClient, prop: dict[str, object]) -> dict[str, object]:
    best_over, best_under = prop["best_over"], prop["best_under"]
    assert isinstance(best_over, dict)
    assert isinstance(best_under, dict)
    response = await client.post(
        "/api/predict",
        json={
            "player": JOKIC,
            "stat": "points",
            "line": 27.5,
            "odds_over": best_over["odds"],
            "odds_under": best_under["odds"],
            "date": LINE_DATE,
        },
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_board_and_predict_give_one_price_with_the_injury_report(
    client: httpx.AsyncClient, api_container: Container
) -> None:
    healthy = await _predicted(client, await _board_prop(client))
    with api_container.engine.begin() as connection:
        connection.execute(
            insert(Injury),
            [
                {
                    "player_id": MURRAY,
                    "report_date": dt.date.fromisoformat(LINE_DATE),
                    "reported_at": day_start(dt.date.fromisoformat(LINE_DATE)),
                    "status": "out",
                    "source": "test",
                }
            ],
        )
    invalidate_predictions(api_container)
    prop = await _board_prop(client)
    single = await _predicted(client, prop)
    # The report reaches the price (teammates out), on both paths alike.
    assert single["predicted_value"] != healthy["predicted_value"]
    assert single["over_probability"] == pytest.approx(prop["over_probability"], abs=1e-9)
    for field in PRICED:
        assert single[field] == pytest.approx(prop[field], abs=1e-9), field
    for field in ("model_version", "model_scope", "opponent", "market_source", "market_books"):
        assert single[field] == prop[field], field
