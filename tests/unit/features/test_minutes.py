"""The minutes projection: defined for every target, blind to later games, moved by absences."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.minutes import (
    DESIGN_COLUMNS,
    FIRST_FIT_SEASON,
    UNFITTED,
    WEIGHTS_BY_SEASON,
    fit_minutes_weights,
    fit_weights_by_season,
    load_weights_table,
    minutes_design,
    project_minutes,
    save_weights_table,
    weights_for_season,
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


def _planted_rows(seed: int = 0) -> pd.DataFrame:
    """A design over four seasons whose minutes follow a known rule plus noise."""
    generator = np.random.default_rng(seed)
    seasons = ("2016-17", "2017-18", "2018-19", "2019-20")
    rows = pd.DataFrame(
        generator.uniform(0, 40, size=(2000, len(DESIGN_COLUMNS))), columns=list(DESIGN_COLUMNS)
    )
    rows["season_label"] = np.repeat(seasons, 500)
    rows["played"] = 0.7 * rows["ema"] + 0.2 * rows["season"] + generator.laplace(0, 2, 2000)
    return rows


def test_a_seasons_weights_never_read_that_season_or_a_later_one() -> None:
    rows = _planted_rows()
    table = fit_weights_by_season(rows)
    assert list(table) == ["2017-18", "2018-19", "2019-20"]
    altered = rows.copy()
    later = altered["season_label"] >= "2018-19"
    altered.loc[later, "played"] = 48.0 - altered.loc[later, "played"]
    again = fit_weights_by_season(altered)
    assert again["2017-18"] == table["2017-18"]
    assert again["2018-19"] == table["2018-19"]
    assert again["2019-20"] != table["2019-20"]


def test_the_frozen_table_round_trips_and_starts_after_the_first_fitted_season(
    tmp_path: Path,
) -> None:
    table = {
        season: weights.rounded()
        for season, weights in fit_weights_by_season(_planted_rows()).items()
    }
    path = tmp_path / "weights.json"
    save_weights_table(table, path)
    assert load_weights_table(path) == table
    assert min(WEIGHTS_BY_SEASON) > FIRST_FIT_SEASON
    assert weights_for_season("2015-16") is UNFITTED
    assert weights_for_season(FIRST_FIT_SEASON) is UNFITTED
    last = max(WEIGHTS_BY_SEASON)
    assert weights_for_season("2099-00") is WEIGHTS_BY_SEASON[last]


def test_each_target_is_projected_with_its_seasons_weights(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    inputs = prepare_inputs(player_logs, team_logs)
    design = minutes_design(inputs)
    projected = project_minutes(inputs)
    seasons = inputs.targets["season"].to_numpy(dtype=object)
    assert len(set(seasons)) > 1
    for season in set(seasons):
        rows = seasons == season
        expected = weights_for_season(season).project(design[rows])
        np.testing.assert_array_equal(projected[rows].to_numpy(), expected.to_numpy())
