"""The feature frame: one code path for training (every player-game) and serving (one player).

`build_feature_frame(player_logs, team_logs)` gives one row per logged player-game; passing
`targets` (upcoming games without box scores) gives one row per target instead. Serving one
player is the same call on that player's logs (plus his teammates', for `f_teammates_out*`) and
one target row, so the two paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.core.errors import DataError
from statmusepicks.features.inputs import BASE_COLUMNS, KEY_COLUMNS, prepare_inputs
from statmusepicks.features.registry import FEATURES

FEATURE_PREFIX = "f_"


def build_feature_frame(
    player_logs: pd.DataFrame,
    team_logs: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    absences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per target: keys, outcomes (NaN for upcoming games) and every `f_` feature.

    `player_logs` and `team_logs` use the bundled column names. `targets` (player_id, game_date,
    team, opp, is_home; optionally season, stat and line) defaults to every logged player-game.
    `absences` (player_id, team, game_date) lists players known to miss upcoming games.
    Rows come in the order of `targets`, or by (game_date, player_id) when it is None.
    """
    inputs = prepare_inputs(player_logs, team_logs, targets, absences)
    frame = inputs.targets
    keys = pd.DataFrame(
        {
            "player_id": frame["player_id"].to_numpy(np.int64),
            "player_name": frame["player_name"].astype(object).to_numpy(),
            "game_id": frame["game_id"].astype(object).to_numpy(),
            "game_date": pd.to_datetime(frame["day"].to_numpy(), unit="D"),
            "season": frame["season"].astype(object).to_numpy(),
            "team": frame["team"].astype(object).to_numpy(),
            "opp": frame["opp"].astype(object).to_numpy(),
            "is_home": frame["is_home"].to_numpy(bool),
        }
    )
    outcomes = frame[list(BASE_COLUMNS)].astype(float).reset_index(drop=True)
    blocks = [feature(inputs).reset_index(drop=True) for feature in FEATURES]
    result = pd.concat([keys[list(KEY_COLUMNS)], outcomes, *blocks], axis=1)
    _check_features(result, blocks)
    return result


def _check_features(result: pd.DataFrame, blocks: list[pd.DataFrame]) -> None:
    names = [name for block in blocks for name in block.columns]
    bad = [name for name in names if not name.startswith(FEATURE_PREFIX)]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if bad or duplicated or len(result) != (len(blocks[0]) if blocks else len(result)):
        raise DataError(
            "feature functions returned malformed columns",
            details={"unprefixed": bad, "duplicated": duplicated},
        )


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The feature columns of a frame, in order."""
    return [column for column in frame.columns if column.startswith(FEATURE_PREFIX)]


def build_player_features(
    player_logs: pd.DataFrame,
    team_logs: pd.DataFrame,
    target: Mapping[str, Any] | pd.DataFrame,
    *,
    absences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Serving: the feature rows of one player's target game(s), via `build_feature_frame`.

    `target` is a mapping or frame with player_id, game_date, team, opp, is_home (and optionally
    stat and line for hit rates). `player_logs` needs that player's games and, for the
    teammates-out features, his team's games of the target season.
    """
    targets = pd.DataFrame([dict(target)]) if isinstance(target, Mapping) else target
    return build_feature_frame(player_logs, team_logs, targets, absences=absences)
