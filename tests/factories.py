"""Small real datasets cut from the bundled data, written in the bundled file formats."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from statmusepicks.models.bundle import StatModel
from statmusepicks.models.distributions import SpreadModel
from statmusepicks.models.estimators import make_estimator

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "bundled"
SLICE_TEAMS = ("DEN", "LAL", "BOS", "GSW")
SLICE_SEASONS = ("2023-24", "2024-25", "2025-26")


@lru_cache(maxsize=4)
def _read(name: str) -> pd.DataFrame:
    if name.endswith(".csv"):
        return pd.read_csv(BUNDLED / name, dtype={"game_id": str})
    return pd.read_parquet(BUNDLED / name)


def player_logs(
    teams: Sequence[str] = SLICE_TEAMS, seasons: Sequence[str] = SLICE_SEASONS
) -> pd.DataFrame:
    """Real player game logs of a few teams and seasons (games against anyone)."""
    logs = _read("player_game_logs.parquet")
    return logs[logs["team"].isin(teams) & logs["season"].isin(seasons)].reset_index(drop=True)


def team_logs(seasons: Sequence[str] = SLICE_SEASONS) -> pd.DataFrame:
    """Real team game logs of every team for a few seasons (opponent context needs them all)."""
    logs = _read("team_game_logs.parquet")
    return logs[logs["season"].isin(seasons)].reset_index(drop=True)


def prop_lines(teams: Sequence[str] = SLICE_TEAMS) -> pd.DataFrame:
    """Real prop lines of games involving the slice's teams."""
    lines = _read("prop_lines.parquet")
    keep = lines["home_team"].isin(teams) | lines["away_team"].isin(teams)
    return lines[keep].reset_index(drop=True)


def game_odds(seasons: Sequence[str] = SLICE_SEASONS) -> pd.DataFrame:
    """Real game odds for a few seasons."""
    odds = _read("game_odds.csv")
    return odds[odds["season"].isin(seasons)].reset_index(drop=True)


def write_bundle(directory: Path, **overrides: pd.DataFrame) -> Path:
    """Write a slice in the bundled layout; keyword frames replace the default slices."""
    directory.mkdir(parents=True, exist_ok=True)
    frames = {
        "player_game_logs.parquet": overrides.get("player_logs", player_logs()),
        "team_game_logs.parquet": overrides.get("team_logs", team_logs()),
        "prop_lines.parquet": overrides.get("prop_lines", prop_lines()),
        "game_odds.csv": overrides.get("game_odds", game_odds()),
    }
    for name, frame in frames.items():
        if name.endswith(".csv"):
            frame.to_csv(directory / name, index=False)
        else:
            frame.to_parquet(directory / name, index=False)
    shutil.copy(BUNDLED / "README.md", directory / "README.md")
    return directory


def linear_model(
    stat: str, x: pd.DataFrame, y: Any, *, metrics: dict[str, float] | None = None
) -> StatModel:
    """A fitted global ElasticNet model of `stat` on the columns of `x` (registry, predictor)."""
    return StatModel(
        stat=stat,
        scope="global",
        variant="elasticnet",
        features=list(x.columns),
        spread=SpreadModel(),
        estimator=make_estimator("elasticnet").fit(x, y),
        trained_through="2025-11-14",
        metrics=metrics or {},
    )
