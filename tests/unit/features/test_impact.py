"""PER, WS/48 and BPM from box scores: on the published scales and blind to later games."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from statmusepicks.features.impact import impact_ratings
from statmusepicks.features.inputs import prepare_inputs

JOKIC = 203999
GAME_DATE = dt.date(2025, 11, 8)


def _ratings(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> pd.DataFrame:
    inputs = prepare_inputs(player_logs, team_logs)
    keys = inputs.targets[["player_id", "day", "season", "min"]].reset_index(drop=True)
    return pd.concat([keys, impact_ratings(inputs)], axis=1)


def test_ratings_sit_on_their_published_scales(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    ratings = _ratings(player_logs, team_logs)
    season = ratings[(ratings["season"] == "2024-25") & ratings["f_per_l10"].notna()]
    weights = season["min"]
    # PER is scaled so the league averages 15; BPM is relative to the league (0).
    assert 12 < np.average(season["f_per_l10"], weights=weights) < 18
    assert -2 < np.average(season["f_bpm_l10"], weights=weights) < 2
    jokic = season[season["player_id"] == JOKIC]
    assert jokic["f_per_l10"].median() > 25
    assert jokic["f_bpm_l10"].median() > 5
    assert jokic["f_ws48_l10"].median() > season["f_ws48_l10"].median()


def test_later_games_never_move_an_earlier_rating(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    before = _ratings(player_logs, team_logs)
    logs = player_logs.copy()
    later = (logs["player_id"] == JOKIC) & (logs["game_date"] >= GAME_DATE)
    logs.loc[later, ["pts", "fgm", "ast"]] = [70, 30, 25]
    after = _ratings(logs, team_logs)
    cutoff = (pd.Timestamp(GAME_DATE) - pd.Timestamp(0)).days
    early = before["day"] <= cutoff
    pd.testing.assert_frame_equal(before[early], after[early], check_exact=True)
    assert not before[~early].equals(after[~early])
