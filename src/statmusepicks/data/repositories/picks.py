"""Reads of served picks with the prices they were taken at, for settling and for CLV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models import Prediction

# What names a pick: its row, its prop and the side it recommended.
PICK_COLUMNS = (
    Prediction.id,
    Prediction.player_id,
    Prediction.stat,
    Prediction.line,
    Prediction.game_date,
    Prediction.recommendation,
)
# PICK_COLUMNS, then odds_over and odds_under.
TakenPick = Row[int, int, str, float, dt.date, str, int, int]


def taken_picks(session: Session, *conditions: ColumnElement[bool]) -> Sequence[TakenPick]:
    """Each prediction matching `conditions`: its prop (player, stat, line, game date), the
    side recommended and both prices offered when it was served."""
    statement = select(*PICK_COLUMNS, Prediction.odds_over, Prediction.odds_under)
    return session.execute(statement.where(*conditions)).all()
