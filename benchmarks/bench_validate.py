"""Validation speed over the bundled files, and its cost when many rules fail.

Run: `.venv/bin/python benchmarks/bench_validate.py` (or `pytest -m bench -s
benchmarks/bench_validate.py`). Prints the best of three validations of each bundled table
against a 10 s budget for the whole bundle, then the box scores again with one negative count
planted in each of the 15 counting columns (15 failing range rules, 15 quarantined rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from statmusepicks.core.box_score import BOX_SCORE_COLUMNS
from statmusepicks.core.settings import get_settings
from statmusepicks.data.ingest import bundled, schemas
from statmusepicks.data.ingest.validate import TableSchema, validate

BUNDLE_BUDGET_S = 10.0


def tables(data_dir: Path) -> list[tuple[pd.DataFrame, TableSchema]]:
    """Each bundled file, read as the bundled load reads it, with its schema."""
    return [
        (bundled.read_player_logs(data_dir), schemas.PLAYER_GAME_STATS),
        (bundled.read_team_logs(data_dir), schemas.TEAM_GAME_STATS),
        (bundled.read_game_odds(data_dir), schemas.GAME_ODDS),
        (bundled.read_prop_lines(data_dir), schemas.PROP_LINES),
    ]


def with_planted_failures(logs: pd.DataFrame) -> pd.DataFrame:
    """One negative count per counting column, each in its own row."""
    planted = logs.copy()
    for row, column in enumerate(BOX_SCORE_COLUMNS):
        planted.loc[row, column] = -1
    return planted


def run(data_dir: Path) -> dict[str, float]:
    """Measure and print every figure; returns them for the pytest wrapper."""
    figures: dict[str, float] = {}
    for frame, schema in tables(data_dir):
        figures[schema.table] = _best_of(3, lambda f=frame, s=schema: validate(f, s))
        print(f"  {schema.table}: {len(frame):,} rows in {figures[schema.table]:.2f} s")
    total = sum(figures.values())
    figures["bundle_s"] = total
    print(f"  whole bundle: {total:.2f} s = {total / BUNDLE_BUDGET_S:.2f} x the 10 s budget")
    logs = with_planted_failures(bundled.read_player_logs(data_dir))
    figures["planted_s"] = _best_of(3, lambda: validate(logs, schemas.PLAYER_GAME_STATS))
    rules = len(BOX_SCORE_COLUMNS)
    per_rule = (figures["planted_s"] - figures[schemas.PLAYER_GAME_STATS.table]) / rules
    print(
        f"  box scores with {rules} failing rules: {figures['planted_s']:.2f} s "
        f"({per_rule * 1000:.0f} ms a failing rule)"
    )
    return figures


def _best_of(repeats: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.bench
def test_validation_speed() -> None:
    figures = run(get_settings().bundled_data_dir)
    assert figures["bundle_s"] < 3 * BUNDLE_BUDGET_S


if __name__ == "__main__":
    run(get_settings().bundled_data_dir)
