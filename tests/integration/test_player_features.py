"""Serving rows read from the database (`serving_inputs`) equal the training rows of the games."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import insert

from statmusepicks.core.league_clock import day_start
from statmusepicks.data.db.models import Injury
from statmusepicks.data.repositories import players as repo
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.services.container import Container
from statmusepicks.services.serving_inputs import ServingTarget, serving_inputs
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


def _served(container: Container, target: ServingTarget) -> pd.DataFrame:
    with container.sessions() as session:
        inputs = serving_inputs(session, [target])
        return inputs.feature_frame(container.team_games.get(session))


def _scheduled(container: Container, day: dt.date) -> ServingTarget:
    """Jokic's game on `day` as the schedule (`games`) holds it."""
    with container.sessions() as session:
        game = repo.next_game(session, "DEN", day)
    assert game is not None
    assert game.game_date == day
    return ServingTarget(JOKIC, day, "DEN", game.opp, game.is_home, scheduled=True)


def test_served_vector_from_the_database_equals_the_training_row(
    loaded_container: Container,
) -> None:
    game_day = dt.date(2025, 11, 8)
    logs = factories.player_logs()
    # Training reads every earlier game (the head-to-head features look back over seasons);
    # serving reads what each feature needs from the database, and must agree exactly.
    training = build_feature_frame(logs, factories.team_logs())
    expected = training[
        (training["player_id"] == JOKIC) & (training["game_date"] == pd.Timestamp(game_day))
    ].reset_index(drop=True)
    # Opponent and venue come from the schedule; only games before the date are read.
    target = _scheduled(loaded_container, game_day)
    served = _served(loaded_container, target)
    features = [column for column in expected.columns if column.startswith("f_")]
    # Who sat (and so the minutes projection, which reads it) waits for the injury report.
    pre_game = [c for c in features if not c.startswith(("f_teammates_out", "f_minutes_proj"))]
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
                {
                    "player_id": player,
                    "report_date": game_day,
                    "reported_at": day_start(game_day),
                    "status": "out",
                    "source": "test",
                }
                for player in absent
            ],
        )
    reported = _served(loaded_container, target)
    pd.testing.assert_frame_equal(reported[features], expected[features], check_exact=True)


def test_an_unscheduled_game_is_priced_from_the_given_opponent_without_injury_report(
    loaded_container: Container,
) -> None:
    day = dt.date(2025, 11, 16)
    with loaded_container.sessions() as session:
        assert repo.next_game(session, "DEN", day) is None  # beyond the stored schedule
    with loaded_container.engine.begin() as connection:
        connection.execute(
            insert(Injury),
            [
                {
                    "player_id": 1627750,
                    "report_date": day,
                    "reported_at": day_start(day),
                    "status": "out",
                    "source": "test",
                }
            ],
        )
    upcoming = ServingTarget(JOKIC, day, "DEN", "MIN", True, scheduled=False)
    served = _served(loaded_container, upcoming)
    assert (served.at[0, "opp"], bool(served.at[0, "is_home"])) == ("MIN", True)
    assert served.at[0, "f_games_season"] > 0
    assert served.at[0, "f_teammates_out"] == 0  # an unscheduled game reads no injury report
