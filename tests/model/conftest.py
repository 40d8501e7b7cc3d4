"""A small real dataset: 30 players with the most 2025-26 lines, their games since 2020-21."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from statmusepicks.core.settings import PROJECT_ROOT
from statmusepicks.evaluation.baselines import market_lines
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.models.dataset import SeasonSplit
from statmusepicks.models.predictor import Predictor
from statmusepicks.models.train_config import TrainConfig
from statmusepicks.models.training import TrainingRun, train_models

BUNDLED = PROJECT_ROOT / "data" / "bundled"
PLAYERS = 30


@pytest.fixture(scope="session")
def real_slice() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(feature frame, de-vigged 2025-26 main lines) of the slice."""
    logs = pd.read_parquet(BUNDLED / "player_game_logs.parquet")
    teams = pd.read_parquet(BUNDLED / "team_game_logs.parquet")
    lines = pd.read_parquet(BUNDLED / "prop_lines.parquet")
    recent = lines[lines["season"] == "2025-26"]
    busy = recent["player_id"].value_counts().index[:PLAYERS]
    logs = logs[logs["player_id"].isin(busy) & (logs["season"] >= "2020-21")]
    frame = build_feature_frame(logs, teams[teams["season"] >= "2020-21"])
    return frame, market_lines(recent[recent["player_id"].isin(busy)], season="2025-26")


SLICE_CONFIG = TrainConfig(
    stats=("points", "rebounds", "assists"),
    quick=True,
    split=SeasonSplit(train_first="2020-21", train_last="2022-23", valid="2023-24", test="2024-25"),
    kinds=("xgboost", "elasticnet"),
    variants=("xgboost", "elasticnet", "ensemble"),
    player_kinds=("elasticnet",),
    player_stats=("points",),
    evaluate_test=True,
    refit_lines=False,
    refit_production=False,
    line_cutoff=dt.date(2025, 11, 1),
    use_ray=False,
    progress=False,
    # Small boosters keep the whole behavioural suite to seconds.
    params={
        f"{stat}:xgboost": {"n_estimators": 60, "learning_rate": 0.15}
        for stat in ("points", "rebounds", "assists", "threes")
    },
)


@pytest.fixture(scope="session")
def slice_run(real_slice: tuple[pd.DataFrame, pd.DataFrame]) -> TrainingRun:
    """Points, rebounds and assists trained on the slice (global + per-player, no Ray)."""
    frame, lines = real_slice
    return train_models(frame, SLICE_CONFIG, lines)


@pytest.fixture(scope="session")
def predictor(slice_run: TrainingRun) -> Predictor:
    return Predictor.from_models(slice_run.models)
