"""The minutes projection: defined for every target, blind to later games, moved by absences."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.minutes import (
    DESIGN_COLUMNS,
    fit_minutes_weights,
    minutes_design,
    project_minutes,
)

JOKIC = 203999
GAME_DATE = dt.date(2025, 11, 8)
UPCOMING = dt.date(2025, 11, 16)


def _projected(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> pd.DataFrame:
    inputs = prepare_inputs(player_logs, team_logs)
    keys = inputs.targets[["player_id", "day"]].reset_index(drop=True)
    return pd.concat([keys, project_minutes(inputs)], axis=1)


def test_every_target_gets_a_bounded_projection_with_ordered_percentiles(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    inputs = prepare_inputs(player_logs, team_logs)
    design = minutes_design(inputs)
    assert list(design.columns) == list(DESIGN_COLUMNS)
    assert not design.isna().any().any()
    projected = project_minutes(inputs)
    assert projected["minutes"].between(0, 48).all()
    assert (projected["minutes_sd"] >= 1).all()
    assert (projected["minutes_p10"] <= projected["minutes"]).all()
    assert (projected["minutes"] <= projected["minutes_p90"]).all()
    # Out of sample on these slices, the projection beats the last-10 average.
    played = inputs.targets["min"].to_numpy(float)
    model = np.mean(np.abs(projected["minutes"] - played))
    assert model < np.mean(np.abs(design["sma10"] - played))


def test_later_games_never_move_an_earlier_projection(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    before = _projected(player_logs, team_logs)
    logs = player_logs.copy()
    later = (logs["player_id"] == JOKIC) & (logs["game_date"] >= GAME_DATE)
    logs.loc[later, "min"] = 5.0
    after = _projected(logs, team_logs)
    cutoff = (pd.Timestamp(GAME_DATE) - pd.Timestamp(0)).days
    early = before["day"] <= cutoff
    pd.testing.assert_frame_equal(before[early], after[early], check_exact=True)
    assert not before[~early].equals(after[~early])


def test_a_rotation_teammate_out_raises_the_projection(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    team = player_logs[(player_logs["team"] == "DEN") & (player_logs["season"] == "2025-26")]
    logs = pd.concat([player_logs[player_logs["player_id"] == JOKIC], team])
    logs = logs.drop_duplicates(["player_id", "game_id"])
    target = pd.DataFrame(
        [{"player_id": JOKIC, "game_date": UPCOMING, "team": "DEN", "opp": "MIN", "is_home": True}]
    )
    starter = team[team["player_id"] != JOKIC].groupby("player_id")["min"].mean().idxmax()
    absences = pd.DataFrame({"player_id": [starter], "team": "DEN", "game_date": [UPCOMING]})
    base = project_minutes(prepare_inputs(logs, team_logs, target))
    without = project_minutes(prepare_inputs(logs, team_logs, target, absences))
    assert without.at[0, "minutes"] > base.at[0, "minutes"]


def test_the_fit_recovers_a_known_linear_rule() -> None:
    generator = np.random.default_rng(0)
    design = pd.DataFrame(
        generator.uniform(0, 40, size=(4000, len(DESIGN_COLUMNS))), columns=list(DESIGN_COLUMNS)
    )
    noise = generator.laplace(0, 2.0, size=len(design))
    played = 2.0 + 0.6 * design["ema"] + 0.3 * design["season"] + noise
    weights = fit_minutes_weights(design, played.to_numpy())
    assert weights.coefficients["ema"] == pytest.approx(0.6, abs=0.02)
    assert weights.coefficients["season"] == pytest.approx(0.3, abs=0.02)
    assert weights.z_low < 0 < weights.z_high
