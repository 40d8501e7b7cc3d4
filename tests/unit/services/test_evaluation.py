"""The evaluation's point table scores what serving answers with, next to the baselines."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from statmusepicks.services.evaluation import point_table
from tests import factories


def _run(frame: pd.DataFrame, served: pd.Series, player: pd.Series) -> Any:
    return SimpleNamespace(
        fits={"points": SimpleNamespace(test_pred=served, variant="xgboost")},
        players=[SimpleNamespace(stat="points", model=object(), test_pred=player)],
    )


def test_the_gain_is_the_served_global_models_and_player_models_are_reported_beside_it() -> None:
    logs = factories.player_logs()
    frame = logs[logs["season"] == "2024-25"].reset_index(drop=True)
    frame = frame.assign(game_id=frame["game_id"].astype(str))
    exact = frame["pts"].astype(float)  # a global model that is always right
    one_player = frame.index[frame["player_id"] == frame["player_id"].iloc[0]]
    off_by_ten = exact.loc[one_player] + 10.0  # a player model that is badly wrong
    table = point_table(_run(frame, exact, off_by_ten), frame, logs).set_index("stat")
    row = table.loc["points"]
    assert row["served"] == 0.0
    assert row["with_player_models"] > 0.0
    assert row["gain_vs_best_pct"] == pytest.approx(100.0)
    assert row["player_models_gain_pct"] < row["gain_vs_best_pct"]
