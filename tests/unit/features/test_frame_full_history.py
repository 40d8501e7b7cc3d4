"""Parity on the whole bundled history (slow: builds 256k rows; `pytest -m slow`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.features.frame import build_feature_frame, build_player_features
from statmusepicks.features.inputs import prepare_team_logs
from tests.factories import BUNDLED

pytestmark = pytest.mark.slow


def test_sixty_random_training_rows_equal_their_serving_vectors() -> None:
    players = pd.read_parquet(BUNDLED / "player_game_logs.parquet")
    teams = pd.read_parquet(BUNDLED / "team_game_logs.parquet")
    training = build_feature_frame(players, teams)
    indexed = prepare_team_logs(teams)
    for row in np.random.default_rng(1).choice(len(training), 60, replace=False):
        game = training.iloc[row]
        own = players[players["player_id"] == game["player_id"]]
        team = players[(players["team"] == game["team"]) & (players["season"] == game["season"])]
        logs = pd.concat([own, team]).drop_duplicates(["player_id", "game_id"])
        target = {key: game[key] for key in ("player_id", "game_date", "team", "opp", "is_home")}
        served = build_player_features(logs, indexed, target)
        expected = training.iloc[[row]].reset_index(drop=True)
        pd.testing.assert_frame_equal(served, expected, check_exact=True)
