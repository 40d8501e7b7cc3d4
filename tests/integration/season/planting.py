"""Rows planted straight into the test database: prop-line snapshots and served picks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert

from statmusepicks.data.db.models import PropLine
from tests.prediction_rows import plant_predictions

TIP = dt.datetime(2025, 11, 15, 0, 10, tzinfo=dt.UTC)
GAME_DAY = dt.date(2025, 11, 14)


def snapshot(
    *,
    player_id: int,
    captured_at: dt.datetime,
    over_price: int,
    under_price: int,
    bookmaker: str = "fanduel",
    market: str = "points",
    line: float = 20.5,
    game_date: dt.date = GAME_DAY,
    commence_time: dt.datetime = TIP,
    is_main_line: bool = True,
) -> dict[str, Any]:
    return {
        "season": "2025-26",
        "game_date": game_date,
        "commence_time": commence_time,
        "captured_at": captured_at,
        "captured_at_estimated": False,
        "event_id": f"event-{game_date}",
        "away_team": "MIA",
        "home_team": "NYK",
        "player_name": f"Player {player_id}",
        "player_id": player_id,
        "market": market,
        "bookmaker": bookmaker,
        "line": line,
        "over_price": over_price,
        "under_price": under_price,
        "is_main_line": is_main_line,
        "n_book_lines": 1,
        "source": "odds_api_live",
    }


def plant_lines(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(PropLine), rows)


def plant_pick(
    engine: Engine,
    *,
    player_id: int,
    recommendation: str,
    odds_over: int = -110,
    odds_under: int = -110,
    line: float = 20.5,
    stat: str = "points",
    game_date: dt.date = GAME_DAY,
    graded: bool = True,
) -> int:
    values = {
        "player_id": player_id,
        "player_name": f"Player {player_id}",
        "stat": stat,
        "line": line,
        "game_date": game_date,
        "odds_over": odds_over,
        "odds_under": odds_under,
        "predicted_value": line + 1,
        "over_probability": 0.55,
        "under_probability": 0.45,
        "push_probability": 0.0,
        "recommendation": recommendation,
        "expected_value": 0.05,
        "kelly_fraction": 0.01,
        "model_version": "smp-points-global:1",
        "model_scope": "global",
        "request": {},
        "graded_at": dt.datetime(2025, 11, 15, 10, 0, tzinfo=dt.UTC) if graded else None,
        "result": "over" if graded else None,
    }
    return plant_predictions(engine, [values])[0]
