"""Stored prediction rows for tests that seed the `predictions` table directly.

Kept free of heavy imports: `python -m tests.stores_busy` (a separate process) reads it too.
Grades live in their own appended rows: `plant_predictions` stores both, chained.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from statmusepicks.data.repositories.record_chain import append_grades, append_predictions


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


GRADE_FIELDS = ("graded_at", "actual", "result", "profit")


def plant_predictions(engine: Engine, rows: list[dict[str, Any]]) -> list[int]:
    """Store `rows` as served predictions through the record's hash chain, and the grade of
    each row that carries one (`graded_at` with `result`, `actual`, `profit`) as its appended
    grade row; the predictions' ids. A row without `created_at` is stamped at its game's day."""
    served = [
        {k: v for k, v in row.items() if k not in GRADE_FIELDS}
        | {"created_at": row.get("created_at") or _noon(row["game_date"])}
        for row in rows
    ]
    with engine.begin() as connection:
        ids = append_predictions(connection, served, at=dt.datetime.now(dt.UTC))
    grades = [
        {"prediction_id": i, "actual": None, "profit": None}
        | {k: row[k] for k in GRADE_FIELDS if k in row}
        for i, row in zip(ids, rows, strict=True)
        if row.get("graded_at") is not None
    ]
    if grades:
        with engine.begin() as connection:
            append_grades(connection, grades, at=dt.datetime.now(dt.UTC))
    return ids


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
