"""The feature frame: one code path for training and serving, and no look-ahead."""

from __future__ import annotations

import datetime as dt
import inspect

import numpy as np
import pandas as pd
import pytest

from statmusepicks.features import advanced, context, minutes, opponent, rolling
from statmusepicks.features.frame import (
    build_feature_frame,
    build_player_features,
    feature_columns,
)
from statmusepicks.features.inputs import BASE_COLUMNS, KEY_COLUMNS, FeatureInputs
from statmusepicks.features.registry import FEATURES

JOKIC = 203999
# A real game: Nikola Jokic, DEN vs IND at home, 2025-11-08.
GAME_DATE = dt.date(2025, 11, 8)


def _upcoming(**changes: object) -> dict[str, object]:
    """A target past the fixtures' last day: Jokic's DEN at home to MIN on 2025-11-16."""
    target: dict[str, object] = {
        "player_id": JOKIC,
        "game_date": dt.date(2025, 11, 16),
        "team": "DEN",
        "opp": "MIN",
        "is_home": True,
    }
    return {**target, **changes}


def _row(frame: pd.DataFrame, player_id: int, day: dt.date) -> pd.DataFrame:
    rows = frame[(frame["player_id"] == player_id) & (frame["game_date"] == pd.Timestamp(day))]
    assert len(rows) == 1
    return rows.reset_index(drop=True)


def _serving_logs(
    player_logs: pd.DataFrame, player_id: int, team: str, season: str
) -> pd.DataFrame:
    """What serving loads: the player's own games and his team's games of the season."""
    own = player_logs[player_logs["player_id"] == player_id]
    team_games = player_logs[(player_logs["team"] == team) & (player_logs["season"] == season)]
    return pd.concat([own, team_games]).drop_duplicates(["player_id", "game_id"])


def test_frame_has_keys_outcomes_and_prefixed_float_features(
    training_frame: pd.DataFrame, player_logs: pd.DataFrame
) -> None:
    assert list(training_frame.columns[: len(KEY_COLUMNS)]) == list(KEY_COLUMNS)
    assert set(BASE_COLUMNS) <= set(training_frame.columns)
    features = feature_columns(training_frame)
    assert len(features) > 150
    assert all(training_frame[name].dtype == np.float64 for name in features)
    assert len(training_frame) == len(player_logs)


def test_training_row_equals_serving_vector_exactly(
    training_frame: pd.DataFrame, player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    expected = _row(training_frame, JOKIC, GAME_DATE)
    game = expected.iloc[0]
    logs = _serving_logs(player_logs, JOKIC, game["team"], game["season"])
    target = {
        "player_id": JOKIC,
        "game_date": GAME_DATE,
        "team": game["team"],
        "opp": game["opp"],
        "is_home": bool(game["is_home"]),
    }
    served = build_player_features(logs, team_logs, target)
    pd.testing.assert_frame_equal(served, expected, check_exact=True)
    assert served["f_teammates_out"].notna().all()


def test_upcoming_target_gets_features_but_no_outcome(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    logs = _serving_logs(player_logs, JOKIC, "DEN", "2025-26")
    target = _upcoming(stat="Points", line=28.5)
    served = build_player_features(logs, team_logs, target)
    assert served[list(BASE_COLUMNS)].isna().all(axis=None)
    assert pd.isna(served.at[0, "game_id"])
    assert served.at[0, "season"] == "2025-26"
    assert served.at[0, "f_pts_season"] == pytest.approx(
        logs.loc[(logs["player_id"] == JOKIC) & (logs["season"] == "2025-26"), "pts"].mean()
    )
    assert 0 <= served.at[0, "f_hit_rate_l10"] <= 1


def _assert_unchanged_before(before: pd.DataFrame, after: pd.DataFrame, cutoff: dt.date) -> None:
    """Every row dated on or before `cutoff` keeps every feature, bit for bit."""
    keep_before = before["game_date"] <= pd.Timestamp(cutoff)
    keep_after = after["game_date"] <= pd.Timestamp(cutoff)
    left = before.loc[keep_before].sort_values(["player_id", "game_date"]).reset_index(drop=True)
    right = after.loc[keep_after].sort_values(["player_id", "game_date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_exact=True)


def test_planting_future_player_games_moves_no_earlier_feature(
    training_frame: pd.DataFrame, player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    logs = player_logs.copy()
    later = (logs["player_id"] == JOKIC) & (logs["game_date"] > GAME_DATE)
    assert later.any()
    logs.loc[later, ["pts", "reb", "ast", "fg3m", "min"]] = [80, 40, 30, 15, 58]
    planted = logs[(logs["player_id"] == JOKIC) & (logs["game_date"] == GAME_DATE)].copy()
    planted["game_date"] = GAME_DATE + dt.timedelta(days=1)
    planted["game_id"] = "0029999999"
    planted["opp"] = "MIN"
    planted[["pts", "reb", "ast"]] = [90, 35, 25]
    # The target game's own box score is the outcome: changing it must not move its features.
    own = (logs["player_id"] == JOKIC) & (logs["game_date"] == GAME_DATE)
    logs.loc[own, ["pts", "reb", "ast", "min"]] = [1, 1, 1, 40]
    after = build_feature_frame(pd.concat([logs, planted]), team_logs)
    features = ["player_id", "game_date", *feature_columns(training_frame)]
    _assert_unchanged_before(training_frame[features], after[features], GAME_DATE)
    # The same changes do reach his next game, so the check above can fail.
    later = dt.date(2025, 11, 11)
    assert (
        _row(after, JOKIC, later)["f_pts_sma3"].iloc[0]
        > _row(training_frame, JOKIC, later)["f_pts_sma3"].iloc[0]
    )


def test_planting_future_opponent_games_moves_no_earlier_feature(
    training_frame: pd.DataFrame, player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    # Jokic met SAC on 2025-11-03 (before the cutoff) and on 2025-11-11 (after it).
    teams = team_logs.copy()
    opponent_later = (teams["team"] == "SAC") & (teams["game_date"] > GAME_DATE)
    teams.loc[opponent_later, ["opp_pts", "opp_reb", "opp_ast", "opp_fg3m"]] = [190, 80, 60, 40]
    planted = teams[(teams["team"] == "SAC") & (teams["game_date"] < GAME_DATE)].tail(1).copy()
    planted["game_date"] = GAME_DATE + dt.timedelta(days=1)
    planted["game_id"] = "0029999998"
    planted[["opp_pts", "opp_fga", "opp_tov"]] = [200, 150, 40]
    after = build_feature_frame(player_logs, pd.concat([teams, planted]))
    features = ["player_id", "game_date", *feature_columns(training_frame)]
    _assert_unchanged_before(training_frame[features], after[features], GAME_DATE)
    # The planted game does reach the later meeting, so the check above can fail.
    later = dt.date(2025, 11, 11)
    for column in ("f_opp_allowed_pts", "f_opp_drtg"):
        assert (
            _row(after, JOKIC, later)[column].iloc[0]
            > _row(training_frame, JOKIC, later)[column].iloc[0]
        )


def test_registry_is_the_one_list_of_feature_functions() -> None:
    assert isinstance(FEATURES, list)
    assert len(set(FEATURES)) == len(FEATURES)
    public_features = {
        function
        for module in (rolling, context, opponent, advanced, minutes)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and list(inspect.signature(function).parameters) == ["inputs"]
        and inspect.signature(function).parameters["inputs"].annotation
        in (FeatureInputs, "FeatureInputs")
    }
    assert public_features == set(FEATURES)


def test_each_feature_function_returns_one_prefixed_row_per_target(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    from statmusepicks.features.inputs import prepare_inputs

    inputs = prepare_inputs(player_logs[player_logs["team"] == "DEN"], team_logs)
    for feature in FEATURES:
        block = feature(inputs)
        assert len(block) == len(inputs), feature.__name__
        assert all(name.startswith("f_") for name in block.columns), feature.__name__


def test_opponent_ratings_start_the_season_from_last_seasons_prior(
    training_frame: pd.DataFrame,
) -> None:
    opening = training_frame[
        training_frame["game_date"]
        == training_frame.loc[training_frame["season"] == "2024-25", "game_date"].min()
    ]
    assert (opening["f_opp_rating_games"] == 0).all()
    assert opening["f_opp_drtg"].between(100, 125).all()
    ranks = training_frame["f_opp_def_rank"].dropna()
    assert ranks.min() == 1
    assert ranks.max() <= 30


def test_injury_report_absences_count_for_an_upcoming_game(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    logs = _serving_logs(player_logs, JOKIC, "DEN", "2025-26")
    target = _upcoming()
    assert build_player_features(logs, team_logs, target).at[0, "f_teammates_out"] == 0
    recent = logs[(logs["team"] == "DEN") & (logs["player_id"] != JOKIC)]
    starter = recent.groupby("player_id")["min"].mean().idxmax()
    absences = pd.DataFrame(
        {"player_id": [starter, JOKIC], "team": "DEN", "game_date": dt.date(2025, 11, 16)}
    )
    served = build_player_features(logs, team_logs, target, absences=absences)
    assert served.at[0, "f_teammates_out"] == 1  # the target player himself never counts
    assert served.at[0, "f_teammates_out_min"] >= 20


def test_opponent_rating_is_season_to_date_shrunk_toward_last_seasons_regressed_rating(
    training_frame: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    games = team_logs[team_logs["season_type"] == "Regular Season"]

    def drtg(rows: pd.DataFrame) -> float:
        own = rows["fga"] - rows["oreb"] + rows["tov"] + 0.44 * rows["fta"]
        other = rows["opp_fga"] - rows["opp_oreb"] + rows["opp_tov"] + 0.44 * rows["opp_fta"]
        return float(100 * rows["opp_pts"].sum() / ((own + other) / 2).sum())

    this_season = games[
        (games["team"] == "IND") & (games["season"] == "2025-26") & (games["game_date"] < GAME_DATE)
    ]
    last_season = games[games["season"] == "2024-25"]
    league = drtg(last_season)
    prior = league + 0.5 * (drtg(last_season[last_season["team"] == "IND"]) - league)
    played = len(this_season)
    expected = (played * drtg(this_season) + 10 * prior) / (played + 10)
    row = _row(training_frame, JOKIC, GAME_DATE)
    assert row.at[0, "f_opp_rating_games"] == played
    assert row.at[0, "f_opp_drtg"] == pytest.approx(expected, rel=1e-12)


def test_hit_rates_follow_each_targets_stat_and_skip_unrolled_ones(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    logs = _serving_logs(player_logs, JOKIC, "DEN", "2025-26")
    targets = pd.DataFrame(
        [
            _upcoming(stat="3-PT Made", line=0.5),
            _upcoming(stat="Fantasy Score", line=50.5),
            _upcoming(stat="dunks", line=1.5),
        ]
    )
    frame = build_feature_frame(logs, team_logs, targets)
    own = logs[logs["player_id"] == JOKIC].sort_values("game_date")
    assert frame.at[0, "f_hit_rate_l5"] == pytest.approx((own["fg3m"].tail(5) > 0.5).mean())
    assert frame.loc[1:, "f_hit_rate_l5"].isna().all()


def test_swapping_home_and_away_changes_only_venue_features(
    player_logs: pd.DataFrame, team_logs: pd.DataFrame
) -> None:
    logs = _serving_logs(player_logs, JOKIC, "DEN", "2025-26")
    home = build_player_features(logs, team_logs, _upcoming(is_home=True))
    away = build_player_features(logs, team_logs, _upcoming(is_home=False))
    changed = {
        column for column in feature_columns(home) if not (home[column].equals(away[column]))
    }
    assert changed == {"f_is_home", "f_travel_km", "f_tz_shift", "f_altitude"}
    assert home.at[0, "f_altitude"] == 1
    assert away.at[0, "f_altitude"] == 0
