"""Reads of `prop_lines`: every snapshot, each prop's opening and closing price, settled lines.

A prop here is one rung of one book's ladder (game date, player, market, book, line). Its
opening price is its first snapshot and its closing price its last snapshot before tip-off;
both are read as of a moment, so nothing captured later is seen. Capture times are compared in
pandas as UTC (SQLite keeps timestamps without their zone).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.core.stats import STATS, resolve_stat
from statmusepicks.data.db.models import PlayerGameStats, PropLine

PROP_KEY = ["game_date", "player_name", "market", "bookmaker", "line"]
BOOK_KEY = ["game_date", "player_name", "market", "bookmaker"]
PRICES = ["captured_at", "over_price", "under_price"]
CLOSE_COLUMNS = ["player_id", "event_id", "commence_time", "is_main_line", "season"]
# What pricing and settlement read of a settled line (the evaluation checks a frame has them).
SETTLED_LINE_COLUMNS = (
    "game_date",
    "player_id",
    "player_name",
    "market",
    "bookmaker",
    "line",
    "over_price",
    "under_price",
    "actual",
)


def snapshots(
    session: Session,
    *,
    as_of: dt.datetime,
    since: dt.date | None = None,
    before: dt.date | None = None,
) -> pd.DataFrame:
    """Every snapshot captured by `as_of` of games in [since, before), oldest capture first."""
    statement = select(PropLine)
    if since is not None:
        statement = statement.where(PropLine.game_date >= since)
    if before is not None:
        statement = statement.where(PropLine.game_date < before)
    frame = pd.read_sql(statement, session.connection())
    frame["captured_at"] = pd.to_datetime(frame["captured_at"], utc=True)
    frame["commence_time"] = pd.to_datetime(frame["commence_time"], utc=True)
    frame["game_date"] = pd.to_datetime(frame["game_date"]).dt.date
    frame = frame[frame["captured_at"] <= pd.Timestamp(as_of)]
    return frame.sort_values("captured_at", kind="stable").reset_index(drop=True)


def opening_closing(
    session: Session,
    *,
    as_of: dt.datetime,
    since: dt.date | None = None,
    before: dt.date | None = None,
) -> pd.DataFrame:
    """One row per prop: its opening and closing prices (first and last pre-tip snapshots).

    Columns: the prop key, player_id, event_id, commence_time, is_main_line (at the close),
    opening_/closing_ captured_at, over_price and under_price, and `snapshots` (how many).
    A prop whose game has not started by `as_of` has a provisional close: its latest price.
    """
    frame = snapshots(session, as_of=as_of, since=since, before=before)
    pre_tip = frame["commence_time"].isna() | (frame["captured_at"] <= frame["commence_time"])
    frame = frame[pre_tip]
    if frame.empty:
        prices = [f"{label}_{column}" for label in ("opening", "closing") for column in PRICES]
        return pd.DataFrame(columns=[*PROP_KEY, *CLOSE_COLUMNS, *prices, "snapshots"])
    grouped = frame.groupby(PROP_KEY, sort=False, dropna=False)
    first, last = grouped.head(1).set_index(PROP_KEY), grouped.tail(1).set_index(PROP_KEY)
    props = last[CLOSE_COLUMNS].copy()
    for label, rows in (("opening", first), ("closing", last)):
        for column in PRICES:
            props[f"{label}_{column}"] = rows[column]
    props["snapshots"] = grouped.size()
    return props.reset_index()


def book_closing_lines(props: pd.DataFrame) -> pd.DataFrame:
    """Each book's main line at the close: of the rungs flagged main at their close, the one
    that closed last (a moved line leaves its old rung behind)."""
    main = props[props["is_main_line"].astype(bool)]
    latest = main.sort_values("closing_captured_at", kind="stable").groupby(BOOK_KEY).tail(1)
    return latest.reset_index(drop=True)


def settled_closing_lines(
    session: Session, *, as_of: dt.datetime, before: dt.date, since: dt.date | None = None
) -> pd.DataFrame:
    """Each book's closing main line of games in [since, before) with the player's box score.

    Columns as the bundled prop lines (game_date, season, player_id, market, bookmaker, line,
    over_price, under_price, is_main_line, captured_at) plus `actual`, the stat's value.
    """
    props = book_closing_lines(opening_closing(session, as_of=as_of, since=since, before=before))
    props = props[props["player_id"].notna()]
    if props.empty:
        return props
    logs = _box_scores(session, since=props["game_date"].min(), before=before)
    keyed = props.assign(player_id=props["player_id"].astype("int64")).merge(
        logs, on=["player_id", "game_date"], how="inner"
    )
    keyed["actual"] = stat_values(keyed)
    keyed = keyed.rename(
        columns={
            "closing_over_price": "over_price",
            "closing_under_price": "under_price",
            "closing_captured_at": "captured_at",
        }
    )
    columns = [*SETTLED_LINE_COLUMNS, "season", "is_main_line", "captured_at", "commence_time"]
    return keyed[columns].dropna(subset=["actual"]).reset_index(drop=True)


def stat_values(box_scores: pd.DataFrame) -> pd.Series:
    """Each row's value of its `market` from its box-score columns (combos summed)."""
    actual = pd.Series(np.nan, index=box_scores.index, dtype=float)
    for market, index in box_scores.groupby("market").groups.items():
        spec = resolve_stat(str(market))
        part = box_scores.loc[index]
        actual.loc[index] = sum(part[c].astype(float) * w for c, w in spec.weights)
    return actual


def _box_scores(session: Session, *, since: dt.date, before: dt.date) -> pd.DataFrame:
    columns = sorted({column for spec in STATS.values() for column in spec.columns})
    statement = select(
        PlayerGameStats.player_id,
        PlayerGameStats.game_date,
        *(getattr(PlayerGameStats, c) for c in columns),
    ).where(PlayerGameStats.game_date >= since, PlayerGameStats.game_date < before)
    frame = pd.read_sql(statement, session.connection())
    frame["game_date"] = pd.to_datetime(frame["game_date"]).dt.date
    return frame
