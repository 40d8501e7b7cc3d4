"""Stored prediction rows for tests that seed the `predictions` table directly.

Kept free of heavy imports: `python -m tests.stores_busy` (a separate process) reads it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def prediction_row(
    *, player_id: int, player_name: str, game_date: dt.date, model_version: str, **fields: Any
) -> dict[str, Any]:
    """A served prediction at the standard -110 both ways, priced as a coin flip and passed
    (a points prop at 20.5 from a global model); `fields` override or add any column."""
    row: dict[str, Any] = {
        "player_id": player_id,
        "player_name": player_name,
        "stat": "points",
        "line": 20.5,
        "game_date": game_date,
        "odds_over": -110,
        "odds_under": -110,
        "predicted_value": 20.0,
        "over_probability": 0.5,
        "under_probability": 0.5,
        "push_probability": 0.0,
        "recommendation": "PASS",
        "expected_value": 0.0,
        "kelly_fraction": 0.0,
        "model_version": model_version,
        "model_scope": "global",
        "request": {},
    }
    return row | fields
