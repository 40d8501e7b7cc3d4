"""The season job that logs the day's board as served: one prediction-log row per priced prop.

The board is what the product shows a bettor, so its prices are the ones grading, the daily
metrics, closing-line value and drift must score. Each prop of the board as of the slot
(lines captured by then only) becomes a row of the same prediction log `/api/predict` writes
(`prediction_log.log_row`), taken at the board's best prices, stamped with the slot's time as
`created_at` (a replayed day logs what it served then, not when the replay ran). Only props of
games that have not tipped off by the slot are logged: a price shown after the tip could not
have been taken before the game, and its closing-line value would be meaningless. A rerun of a
slot that already logged its board adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from statmusepicks.core.league_clock import as_utc
from statmusepicks.data.db.models import Game, Prediction
from statmusepicks.services.board import BoardQuery, board
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.prediction_log import log_row
from statmusepicks.services.prediction_request import PredictionRequest
from statmusepicks.services.predictions import prediction_service

JOB = "served_board"
# What the logged request says about where the price was shown.
BOARD_SOURCE = "board"


def board_log_rows(answer: dict[str, Any], served_at: dt.datetime) -> list[dict[str, Any]]:
    """The prediction-log rows of a board answer: each prop as a request at the best over and
    under prices shown, with the board's answer for it."""
    day = answer["date"]
    rows = []
    for prop in answer["props"]:
        request = PredictionRequest(
            player=int(prop["player_id"]),
            stat=prop["stat"],
            line=prop["line"],
            odds_over=prop["best_over"]["odds"],
            odds_under=prop["best_under"]["odds"],
            date=dt.date.fromisoformat(day),
            opponent=prop["opponent"],
        )
        row = log_row(prop | {"game_date": day}, request, None)
        row["request"] |= {"source": BOARD_SOURCE, "books": prop["books"]}
        rows.append(row | {"created_at": served_at})
    return rows


def started_teams(container: Container, day: dt.date, as_of: dt.datetime) -> set[str]:
    """Teams of `day` whose game had tipped off by `as_of`, as the stored schedule knows it."""
    with container.sessions() as session:
        games = session.execute(
            select(Game.home_team, Game.away_team).where(
                Game.game_date == day, Game.tipoff_at.is_not(None), Game.tipoff_at <= as_utc(as_of)
            )
        ).all()
    return {team for game in games for team in game}


def upcoming_board(container: Container, day: dt.date, as_of: dt.datetime) -> dict[str, Any]:
    """The board of `day` as served at `as_of`, without the props of games already started
    (`started`: how many were left out)."""
    answer = board(container, BoardQuery(day, as_of=as_of))
    started = started_teams(container, day, as_of)
    upcoming = [prop for prop in answer["props"] if prop["team"] not in started]
    return answer | {"props": upcoming, "started": len(answer["props"]) - len(upcoming)}


def logged_at(container: Container, served_at: dt.datetime) -> int:
    """Rows the board already logged at `served_at` (a rerun of its slot)."""
    with container.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Prediction)
                .where(Prediction.created_at == served_at, Prediction.api_key_id.is_(None))
            )
            or 0
        )


def log_served_board(container: Container, as_of: dt.datetime) -> JobReport:
    """Serve the board of `as_of`'s local day as of `as_of` and log every prop on it."""
    report = JobReport(job=JOB, as_of=as_of)
    day = as_of.astimezone(ZoneInfo(container.settings.sync_timezone)).date()
    already = logged_at(container, as_of)
    if already:
        report.details["skipped"] = f"{already} rows already logged at this slot"
        return report
    answer = upcoming_board(container, day, as_of)
    rows = board_log_rows(answer, as_of)
    recorder = prediction_service(container).recorder
    for row in rows:
        recorder.record(row)
    # Written now, not by the background writer: the next slots (grading) read them.
    recorder.flush()
    report.rows = len(rows)
    report.details |= {
        "date": day.isoformat(),
        "props": len(rows),
        "bets": sum(row["recommendation"] != "PASS" for row in rows),
        "unpriced": answer.get("unpriced", 0),
        "started": answer["started"],
    }
    return report
