"""Use case: do role clusters help the stat models out of time?

Two ways to use a role, each scored against the global model on the same 2025-26 lines (the
split, models and scoring of `feature_trials`): (a) the global model with the role as one-hot
columns, and (b) one model per role for the biggest roles, trained on that role's player-games
only, compared with the global model on the lines of that role's players.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.roles import UNKNOWN_ROLE, role_clusters, target_roles
from statmusepicks.services.feature_trials import (
    FIRST_SEASON,
    LINE_KEYS,
    POOLED,
    TEST_SEASON,
    line_scores,
    scored_lines,
    train_arm,
)

ROLE_ARM = "roles"
PER_ROLE_ARM = "per-role models"
# Roles priced by their own model: the biggest ones, so each has enough games to fit.
PER_ROLE_COUNT = 3


def role_block(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> pd.DataFrame:
    """Every logged player-game's role (column `role`) and its one-hot `f_role_` columns."""
    inputs = prepare_inputs(player_logs, team_logs)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "player_id": inputs.targets["player_id"].to_numpy(),
                    "game_date": pd.to_datetime(inputs.targets["day"].to_numpy(), unit="D"),
                    "role": target_roles(inputs),
                }
            ),
            role_clusters(inputs),
        ],
        axis=1,
    )


def with_roles(frame: pd.DataFrame, block: pd.DataFrame) -> pd.DataFrame:
    """The frame with each row's role and one-hot role columns (unknown where not logged)."""
    keys = frame[["player_id", "game_date"]].assign(
        game_date=lambda f: pd.to_datetime(f["game_date"])
    )
    roles = keys.merge(block, how="left", validate="1:1").drop(columns=["player_id", "game_date"])
    roles["role"] = roles["role"].fillna(UNKNOWN_ROLE).astype(np.int64)
    return pd.concat([frame, roles.fillna(0.0)], axis=1)


def _compare(arm: str, mine: pd.DataFrame, reference: pd.DataFrame) -> list[dict[str, object]]:
    """Paired scores of `mine` against the global model on the lines both priced."""
    keys = list(LINE_KEYS)
    theirs = reference.merge(mine[keys], on=keys, how="inner")
    mine = mine.merge(theirs[keys], on=keys, how="inner")
    rows = []
    for stat in [*sorted(mine["stat"].unique()), POOLED]:
        chosen = mine["stat"] == stat if stat != POOLED else mine["stat"].notna()
        row: dict[str, object] = {"arm": arm, "stat": stat, "lines": int(chosen.sum())}
        row.update(line_scores(mine[chosen], theirs[chosen]))
        rows.append(row)
    return rows


def role_trial(
    frame: pd.DataFrame,
    block: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    line_cutoff: dt.date,
    roles: int = PER_ROLE_COUNT,
) -> pd.DataFrame:
    """Both variants against the global model: one row per (arm, stat) with the paired gain.

    `block` is `role_block` of the logs the frame was built from.
    """
    base = with_roles(frame[frame["season"] >= FIRST_SEASON].reset_index(drop=True), block)
    role_columns = [column for column in base.columns if column.startswith("f_role_")]
    reference = scored_lines(
        train_arm(base.drop(columns=["role", *role_columns]), lines, line_cutoff)
    )
    onehot = base.drop(columns=["role"])
    results = _compare(ROLE_ARM, scored_lines(train_arm(onehot, lines, line_cutoff)), reference)
    test_roles = base[base["season"] == TEST_SEASON].drop_duplicates("player_id")
    for role in base.loc[base["role"] >= 0, "role"].value_counts().index[:roles]:
        players = test_roles.loc[test_roles["role"] == role, "player_id"]
        subset = base[base["role"] == role].drop(columns=["role", *role_columns])
        subset = subset.reset_index(drop=True)
        priced = scored_lines(
            train_arm(subset, lines[lines["player_id"].isin(players)], line_cutoff)
        )
        results += _compare(f"{PER_ROLE_ARM} (role {role})", priced, reference)
    return pd.DataFrame(results)
