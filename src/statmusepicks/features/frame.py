"""The feature frame: one code path for training (every player-game) and serving (one player).

`build_feature_frame(player_logs, team_logs)` gives one row per logged player-game; passing
`targets` (upcoming games without box scores) gives one row per target instead. Serving one
player is the same call on that player's logs (plus his teammates', for `f_teammates_out*`) and
one target row, so the two paths cannot drift apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.core.errors import DataError
from statmusepicks.features.inputs import BASE_COLUMNS, KEY_COLUMNS, TeamGames, prepare_inputs
from statmusepicks.features.registry import FEATURES

FEATURE_PREFIX = "f_"


def build_feature_frame(
    player_logs: pd.DataFrame,
    team_logs: pd.DataFrame | TeamGames,
    targets: pd.DataFrame | None = None,
    *,
    absences: pd.DataFrame | None = None,
    on_step: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """One row per target: keys, outcomes (NaN for upcoming games) and every `f_` feature.

    `player_logs` and `team_logs` use the bundled column names (`team_logs` may also be a
    `TeamGames` from `prepare_team_logs`, which a serving process builds once). `targets`
    (player_id, game_date, team, opp, is_home; optionally season, stat and line) defaults to
    every logged player-game.
    `absences` (player_id, team, game_date) lists players known to miss upcoming games.
    Rows come in the order of `targets`, or by (game_date, player_id) when it is None.
    `on_step` is told the name of each feature function before it runs (progress bars).
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
    blocks = []
    for feature in FEATURES:
        if on_step is not None:
            on_step(feature.__name__)
        blocks.append(feature(inputs).reset_index(drop=True))
    _check_features(blocks, len(frame))
    return pd.concat([keys[list(KEY_COLUMNS)], outcomes, *blocks], axis=1)


def _check_features(blocks: list[pd.DataFrame], rows: int) -> None:
    """Schema check at the boundary: prefixed, unique names and one row per target."""
    names = [name for block in blocks for name in block.columns]
    bad = [name for name in names if not name.startswith(FEATURE_PREFIX)]
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    short = [len(block) for block in blocks if len(block) != rows]
    if bad or duplicated or short:
        raise DataError(
            "feature functions returned malformed columns",
            details={"unprefixed": bad, "duplicated": duplicated, "lengths": short},
        )


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The feature columns of a frame, in order."""
    return [column for column in frame.columns if column.startswith(FEATURE_PREFIX)]


def build_player_features(
    player_logs: pd.DataFrame,
    team_logs: pd.DataFrame | TeamGames,
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
