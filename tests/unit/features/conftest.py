"""Small real slices for feature tests: four teams' players over three seasons, all teams' games."""

from __future__ import annotations

import pandas as pd
import pytest

from statmusepicks.features.frame import build_feature_frame
from tests import factories


@pytest.fixture(scope="module")
def player_logs() -> pd.DataFrame:
    return factories.player_logs()


@pytest.fixture(scope="module")
def team_logs() -> pd.DataFrame:
    return factories.team_logs()


@pytest.fixture(scope="module")
def training_frame(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> pd.DataFrame:
    return build_feature_frame(player_logs, team_logs)
