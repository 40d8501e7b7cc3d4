"""Serving vectors read from the database equal the training rows built from the same games."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert

from statmusepicks.core.errors import NotFoundError
from statmusepicks.data.db.models import Injury
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.services.container import Container
from statmusepicks.services.players import player_features
from tests import factories

JOKIC = 203999


def _rotation_absentees(logs: pd.DataFrame, team: str, day: dt.date) -> list[int]:
    """DEN's regular-rotation players (3+ of the last 15 games, 20+ minutes) missing on `day`."""
    games = logs[(logs["team"] == team) & (logs["season"] == "2025-26")]
    dates = sorted(games["game_date"].unique())
    window = [date for date in dates if date < day][-15:]
    recent = games[games["game_date"].isin(window)].groupby("player_id")["min"]
    rotation = recent.mean()[(recent.size() >= 3) & (recent.mean() >= 20)].index
    played = set(games.loc[games["game_date"] == day, "player_id"])
    return [int(player) for player in rotation if player not in played]


def test_served_vector_from_the_database_equals_the_training_row(
    loaded_container: Container,
) -> None:
    game_day = dt.date(2025, 11, 8)
    logs = factories.player_logs()
    training = build_feature_frame(logs, factories.team_logs())
    expected = training[
        (training["player_id"] == JOKIC) & (training["game_date"] == pd.Timestamp(game_day))
    ].reset_index(drop=True)
    service = player_features(loaded_container)
    # Opponent and venue come from the schedule; only games before the date are read.
    served = service.vector(JOKIC, game_day)
    features = [column for column in expected.columns if column.startswith("f_")]
    pre_game = [column for column in features if not column.startswith("f_teammates_out")]
    pd.testing.assert_frame_equal(served[pre_game], expected[pre_game], check_exact=True)
    assert served.at[0, "opp"] == "IND"
    assert pd.isna(served.at[0, "pts"])  # the outcome is not read for a served vector

    # Training knows who sat from the box score; serving learns it from the injury report.
    absent = _rotation_absentees(logs, "DEN", game_day)
    assert expected.at[0, "f_teammates_out"] == len(absent) > 0
    assert served.at[0, "f_teammates_out"] == 0
    with loaded_container.engine.begin() as connection:
        connection.execute(
            insert(Injury),
            [
                {"player_id": player, "report_date": game_day, "status": "out", "source": "test"}
                for player in absent
            ],
        )
    reported = service.vector(JOKIC, game_day)
    pd.testing.assert_frame_equal(reported[features], expected[features], check_exact=True)


def test_a_date_without_a_scheduled_game_needs_the_opponent(loaded_container: Container) -> None:
    service = player_features(loaded_container)
    with pytest.raises(NotFoundError):
        service.vector(JOKIC, dt.date(2025, 11, 9))
    upcoming = service.vector(
        JOKIC, dt.date(2025, 11, 16), opp="MIN", is_home=True, stat="Points", line=28.5
    )
    assert upcoming.at[0, "f_games_season"] > 0
    assert 0 <= upcoming.at[0, "f_hit_rate_l10"] <= 1
