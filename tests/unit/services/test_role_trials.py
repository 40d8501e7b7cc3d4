"""The role trial labels every row of the feature frame with the feature code's own roles."""

from __future__ import annotations

import numpy as np

from statmusepicks.features.frame import build_feature_frame
from statmusepicks.features.roles import ROLE_COUNT
from statmusepicks.services.role_trials import role_block, with_roles
from tests import factories


def test_role_block_covers_the_frame_and_agrees_with_its_one_hot_columns() -> None:
    player_logs, team_logs = factories.player_logs(teams=("DEN",)), factories.team_logs()
    frame = build_feature_frame(player_logs, team_logs)
    labelled = with_roles(frame, role_block(player_logs, team_logs))
    assert len(labelled) == len(frame)
    onehot = labelled[[f"f_role_{index}" for index in range(ROLE_COUNT)]].to_numpy()
    known = labelled["role"].to_numpy() >= 0
    assert known.any()
    assert not known.all()
    np.testing.assert_array_equal(onehot.sum(axis=1), known.astype(float))
    np.testing.assert_array_equal(onehot[known].argmax(axis=1), labelled["role"][known])
