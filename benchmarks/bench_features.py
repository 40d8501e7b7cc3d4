"""Feature pipeline speed: full history, one player from scratch, one player from the store.

Run: `.venv/bin/python benchmarks/bench_features.py` (or `pytest -m bench -s
benchmarks/bench_features.py`). Figures are printed against our budgets (60 s full build,
100 ms one player from scratch, 10 ms one player from the store) and against a baseline measured
in the same run: pandas' textbook `groupby.shift.rolling(10).mean()` over the 12 rolled stats.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine
from statmusepicks.features.frame import build_player_features, feature_columns
from statmusepicks.features.inputs import ROLLING_COLUMNS, prepare_team_logs
from statmusepicks.features.store import FeatureStore, build_store, read_player_features

FULL_BUDGET_S = 60.0
SCRATCH_BUDGET_MS = 100.0
STORE_BUDGET_MS = 10.0
PLAYER, TEAM, SEASON = 203999, "DEN", "2025-26"  # Nikola Jokic
TARGET = {
    "player_id": PLAYER,
    "game_date": dt.date(2025, 11, 16),
    "team": TEAM,
    "opp": "MIN",
    "is_home": True,
}


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _median_ms(work: Callable[[], object], runs: int = 20) -> float:
    return statistics.median(_timed(work) for _ in range(runs)) * 1000


def _textbook_baseline(logs: pd.DataFrame) -> None:
    frame = logs.sort_values(["player_id", "game_date"]).copy()
    frame["pra"] = frame["pts"] + frame["reb"] + frame["ast"]
    frame["pr"] = frame["pts"] + frame["reb"]
    frame["pa"] = frame["pts"] + frame["ast"]
    frame["ra"] = frame["reb"] + frame["ast"]
    shifted = frame.groupby("player_id")[list(ROLLING_COLUMNS)].shift(1)
    shifted.groupby(frame["player_id"]).rolling(10, min_periods=1).mean()


def run(settings: Settings) -> dict[str, float]:
    """Measure and print every figure; returns them for the pytest wrapper."""
    data_dir = settings.bundled_data_dir
    player_logs = pd.read_parquet(data_dir / "player_game_logs.parquet")
    team_logs = pd.read_parquet(data_dir / "team_game_logs.parquet")
    figures: dict[str, float] = {}
    figures["baseline_s"] = _timed(lambda: _textbook_baseline(player_logs))

    with tempfile.TemporaryDirectory() as scratch:
        local = settings.model_copy(
            update={"var_dir": Path(scratch), "database_url": f"sqlite:///{scratch}/bench.db"}
        )
        engine = make_engine(local.database_url)
        upgrade(engine)
        started = time.perf_counter()
        info = build_store(player_logs, team_logs, settings=local, engine=engine, force=True)
        figures["full_build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        store = FeatureStore.open(engine)
        figures["store_open_s"] = time.perf_counter() - started
        columns = len(feature_columns(store.frame))
        last_game = store.frame.loc[store.frame["player_id"] == PLAYER, "game_date"].max()
        figures["store_vector_ms"] = _median_ms(lambda: store.vector(PLAYER, last_game), 200)
        figures["store_disk_ms"] = _median_ms(lambda: read_player_features(info, PLAYER), 10)
        engine.dispose()

    own = player_logs[player_logs["player_id"] == PLAYER]
    mates = player_logs[(player_logs["team"] == TEAM) & (player_logs["season"] == SEASON)]
    logs = pd.concat([own, mates]).drop_duplicates(["player_id", "game_id"])
    teams = prepare_team_logs(team_logs)
    build_player_features(logs, teams, TARGET)  # warm the defensive-rank cache once
    figures["team_prep_ms"] = _median_ms(lambda: prepare_team_logs(team_logs), 5)
    figures["scratch_ms"] = _median_ms(lambda: build_player_features(logs, teams, TARGET))
    figures["scratch_cold_ms"] = _median_ms(
        lambda: build_player_features(logs, team_logs, TARGET), 5
    )

    print(f"\nfeature pipeline: {info.rows} player-games x {columns} features")
    print(
        f"  baseline (pandas groupby.shift.rolling mean of 12 stats): {figures['baseline_s']:.2f} s"
    )
    _line("full history build + write", figures["full_build_s"], FULL_BUDGET_S, "s")
    print(f"    = {figures['full_build_s'] / figures['baseline_s']:.1f} x the baseline")
    _line("one player from scratch", figures["scratch_ms"], SCRATCH_BUDGET_MS, "ms")
    _line(
        "one player from scratch, team logs indexed per call",
        figures["scratch_cold_ms"],
        SCRATCH_BUDGET_MS,
        "ms",
    )
    print(f"  (indexing the team logs once per process: {figures['team_prep_ms']:.0f} ms)")
    _line(
        "one player from the store (in memory)", figures["store_vector_ms"], STORE_BUDGET_MS, "ms"
    )
    _line(
        "one player's rows from the store on disk", figures["store_disk_ms"], STORE_BUDGET_MS, "ms"
    )
    print(f"  (opening the store into memory: {figures['store_open_s']:.2f} s)")
    return figures


def _line(label: str, value: float, budget: float, unit: str) -> None:
    print(f"  {label}: {value:.3g} {unit} = {value / budget:.2f} x the {budget:g} {unit} budget")


@pytest.mark.bench
def test_feature_pipeline_speed() -> None:
    figures = run(get_settings())
    assert figures["full_build_s"] > 0


if __name__ == "__main__":
    run(get_settings())
