"""The trial's candidate blocks are the feature code path's own columns, keyed by player-game."""

from __future__ import annotations

import pandas as pd

from statmusepicks.features.frame import build_feature_frame
from statmusepicks.services.feature_trials import candidate_blocks
from tests import factories


def test_candidate_blocks_equal_the_feature_frame_columns() -> None:
    player_logs, team_logs = factories.player_logs(teams=("DEN",)), factories.team_logs()
    frame = build_feature_frame(player_logs, team_logs)
    blocks = candidate_blocks(player_logs, team_logs)
    assert set(blocks) == {"minutes", "impact"}
    minutes = frame[["player_id", "game_date"]].merge(blocks["minutes"], how="left")
    pd.testing.assert_series_equal(
        minutes["f_minutes_proj"], frame["f_minutes_proj"], check_exact=True
    )
    impact = blocks["impact"]
    assert len(impact) == len(frame)
    assert {"f_per_l10", "f_ws48_l10", "f_bpm_l10"} <= set(impact.columns)
    assert not set(impact.columns) & {c for c in frame.columns if c.startswith("f_")}
