"""Role clusters read earlier seasons only, and label every player-game of the frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.roles import ROLE_COUNT, UNKNOWN_ROLE, role_clusters, target_roles


def _roles(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> pd.DataFrame:
    inputs = prepare_inputs(player_logs, team_logs)
    keys = inputs.targets[["player_id", "day", "season"]].reset_index(drop=True)
    return keys.assign(role=target_roles(inputs))


def test_a_season_role_ignores_that_season_and_later(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    seasons = sorted(player_logs["season"].unique())
    before = _roles(player_logs, team_logs)
    logs = player_logs.copy()
    later = logs["season"] >= seasons[1]
    logs.loc[later, ["pts", "reb", "ast", "min"]] = logs.loc[later, ["ast", "pts", "reb", "min"]]
    logs.loc[later, "fg3m"] = 0
    after = _roles(logs, team_logs)
    kept = before["season"] <= seasons[1]
    pd.testing.assert_frame_equal(before[kept], after[kept], check_exact=True)
    # The change does reach the season after it, so the check above is not vacuous.
    assert not before[~kept].equals(after[~kept])


def test_roles_are_known_from_the_second_season_and_one_hot(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    inputs = prepare_inputs(player_logs, team_logs)
    roles = target_roles(inputs)
    first = inputs.targets["season"].to_numpy() == min(inputs.targets["season"])
    assert (roles[first] == UNKNOWN_ROLE).all()
    assert set(np.unique(roles[~first])) <= {UNKNOWN_ROLE, *range(ROLE_COUNT)}
    assert (roles[~first] != UNKNOWN_ROLE).mean() > 0.5
    onehot = role_clusters(inputs)
    assert list(onehot.columns) == [f"f_role_{index}" for index in range(ROLE_COUNT)]
    np.testing.assert_array_equal(onehot.sum(axis=1), (roles != UNKNOWN_ROLE).astype(float))
