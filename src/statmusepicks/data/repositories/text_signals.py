"""Reads and writes of the `text_signals` table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models import Injury, Prediction
from statmusepicks.data.db.models_text import TextSignal

SIGNAL_COLUMNS = (
    "player_id",
    "team",
    "kind",
    "value",
    "source",
    "source_text",
    "observed_at",
    "extractor",
)


def signals_before(
    session: Session, player_ids: Sequence[int], before: dt.datetime
) -> pd.DataFrame:
    """The players' signals observed strictly before `before`, oldest first."""
    statement = (
        select(*(getattr(TextSignal, column) for column in SIGNAL_COLUMNS))
        .where(TextSignal.player_id.in_(list(player_ids)), TextSignal.observed_at < before)
        .order_by(TextSignal.observed_at, TextSignal.id)
    )
    rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    return frame


def all_signals(session: Session) -> pd.DataFrame:
    """Every stored signal (evaluation reads them all, then joins by time)."""
    rows = session.execute(select(*(getattr(TextSignal, c) for c in SIGNAL_COLUMNS))).all()
    frame = pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    return frame


def add_signals(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert the rows not stored yet (same player, kind, source and time); returns how many."""
    wanted = [dict(row) for row in rows]
    if not wanted:
        return 0
    key = (TextSignal.player_id, TextSignal.kind, TextSignal.source, TextSignal.observed_at)
    players = {row["player_id"] for row in wanted}
    stored = {
        (player, kind, source, _utc(observed))
        for player, kind, source, observed in session.execute(
            select(*key).where(TextSignal.player_id.in_(players))
        )
    }
    fresh, seen = [], set(stored)
    for row in wanted:
        identity = (row["player_id"], row["kind"], row["source"], _utc(row["observed_at"]))
        if identity not in seen:
            seen.add(identity)
            fresh.append(TextSignal(**row))
    session.add_all(fresh)
    session.commit()
    return len(fresh)


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: compare everything in UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def injury_notes(session: Session, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """Injury reports with a note published in (`since`, `until`]: the text to read."""
    statement = (
        select(Injury.player_id, Injury.reported_at, Injury.note, Injury.source)
        .where(
            Injury.note.is_not(None),
            Injury.reported_at > since,
            Injury.reported_at <= until,
        )
        .order_by(Injury.reported_at, Injury.id)
    )
    rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["player_id", "reported_at", "note", "source"])
    frame["reported_at"] = [_utc(moment) for moment in frame["reported_at"]]
    return frame


def graded_predictions(session: Session) -> pd.DataFrame:
    """Served predictions whose game is graded: what the model said and what happened."""
    columns = ("player_id", "game_date", "line", "over_probability", "under_probability", "actual")
    statement = select(*(getattr(Prediction, c) for c in columns)).where(
        Prediction.actual.is_not(None)
    )
    return pd.DataFrame(session.execute(statement).all(), columns=list(columns))
