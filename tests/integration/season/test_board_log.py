"""The served-board job: the board as of its slot in the prediction log, once, and every
player's props priced even when an earlier board of the day saw fewer players."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select, update

from statmusepicks.data.db.models import Game, Prediction, PropLine
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.services.board import BoardQuery, board
from statmusepicks.services.board_log import log_served_board
from statmusepicks.services.container import Container
from tests import factories
from tests.integration.api.conftest import fit_slice_models, serve_models

DAY = dt.date(2025, 11, 11)
MORNING = dt.datetime(2025, 11, 11, 15, 0, tzinfo=dt.UTC)
EVENING = dt.datetime(2025, 11, 12, 0, 0, tzinfo=dt.UTC)


def logged(container: Container, at: dt.datetime) -> int:
    with container.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Prediction).where(Prediction.created_at == at)
            )
            or 0
        )


def test_the_board_is_logged_as_served_once_with_every_players_props_priced(
    loaded_container: Container,
) -> None:
    frame = build_feature_frame(factories.player_logs(), factories.team_logs())
    container = serve_models(loaded_container, fit_slice_models(frame))
    # The morning snapshot priced one game's players; the others' props come in the evening.
    with container.engine.begin() as connection:
        teams = pd.read_sql(
            select(PropLine.home_team).where(PropLine.game_date == DAY).distinct(), connection
        )["home_team"]
        early = str(teams.iloc[0])
        connection.execute(
            update(PropLine)
            .where(PropLine.game_date == DAY)
            .values(captured_at=EVENING - dt.timedelta(hours=1))
        )
        connection.execute(
            update(PropLine)
            .where(PropLine.game_date == DAY, PropLine.home_team == early)
            .values(captured_at=MORNING - dt.timedelta(hours=1))
        )
    morning = log_served_board(container, MORNING)
    assert morning.ok, morning.errors
    assert 0 < morning.rows == logged(container, MORNING)

    evening = log_served_board(container, EVENING)
    answer = board(container, BoardQuery(DAY, as_of=EVENING))
    # Priced as a process that never saw the morning's board prices it.
    container.board_frames.clear()
    fresh = board(container, BoardQuery(DAY, as_of=EVENING + dt.timedelta(minutes=1)))
    assert (answer["count"], answer["unpriced"]) == (fresh["count"], fresh["unpriced"])
    assert evening.rows == answer["count"] == logged(container, EVENING) > morning.rows
    with container.sessions() as session:
        rows = session.scalars(select(Prediction).where(Prediction.created_at == EVENING)).all()
    props = {(p["player_id"], p["stat"], p["line"]): p for p in answer["props"]}
    for row in rows:
        prop = props[(row.player_id, row.stat, row.line)]
        assert (row.odds_over, row.odds_under) == (
            prop["best_over"]["odds"],
            prop["best_under"]["odds"],
        )
        assert row.recommendation == prop["decision"]
        assert row.model_version == prop["model_version"]
        assert row.request["source"] == "board"
    # The slot run again (a restarted worker) logs nothing more.
    again = log_served_board(container, EVENING)
    assert again.rows == 0
    assert "already logged" in again.details["skipped"]
    assert logged(container, EVENING) == evening.rows


def test_props_of_games_already_tipped_off_are_not_logged(loaded_container: Container) -> None:
    frame = build_feature_frame(factories.player_logs(), factories.team_logs())
    container = serve_models(loaded_container, fit_slice_models(frame))
    with container.engine.begin() as connection:
        connection.execute(
            update(PropLine)
            .where(PropLine.game_date == DAY)
            .values(captured_at=EVENING - dt.timedelta(hours=1))
        )
        teams = pd.read_sql(
            select(PropLine.home_team, PropLine.away_team).where(PropLine.game_date == DAY),
            connection,
        ).drop_duplicates()
    home, away = (str(team) for team in teams.iloc[0])
    with container.sessions.begin() as session:
        session.add(
            Game(
                game_id="0022599999",
                game_date=DAY,
                season="2025-26",
                season_type="Regular Season",
                home_team=home,
                away_team=away,
                status="in_progress",
                tipoff_at=EVENING - dt.timedelta(minutes=30),
            )
        )
    answer = board(container, BoardQuery(DAY, as_of=EVENING))
    started = [p for p in answer["props"] if p["team"] in {home, away}]
    report = log_served_board(container, EVENING)
    assert report.ok, report.errors
    assert started
    assert report.details["started"] == len(started)
    assert report.rows == answer["count"] - len(started) == logged(container, EVENING)
    with container.sessions() as session:
        rows = session.execute(select(Prediction.player_id, Prediction.stat, Prediction.line)).all()
    assert not {tuple(row) for row in rows} & {
        (p["player_id"], p["stat"], p["line"]) for p in started
    }
