"""Use case: prop alerts after an odds snapshot, as of a moment.

Three kinds, on the game day of `as_of` (SYNC_TIMEZONE) and only from lines captured by then:

- `edge`: a priced prop of the board whose edge over the books' de-vigged consensus is at least
  EDGE_THRESHOLD; its state is the side and the best price, so a new price alerts again.
- `line_move`: a book's main line at least ALERT_LINE_MOVE points away from its first main line
  of the day; its state is the line the book moved to.
- `injury`: a player with open lines whose status in the latest injury report changed.

Each alert says whether the market has already moved past the fair price: the model's fair line
is its predicted value for the player and stat, and the market has moved past it when its line
went from one side of it to the other (or onto it) since the reference point (the day's first
snapshot; for injury news, the last snapshot before the report). Null when the model has no
price (no model, or a player ruled out).

An alert is stored once per (`dedup_key`, `fingerprint`): the same state never alerts twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.core.stats import STATS
from statmusepicks.data.db.models_alerts import PropAlert
from statmusepicks.data.db.session import session_scope
from statmusepicks.data.repositories.availability import latest_statuses
from statmusepicks.data.repositories.prop_lines import snapshots
from statmusepicks.services.board import BoardQuery, board
from statmusepicks.services.container import Container

PropKey = tuple[int, str]


@dataclass(frozen=True)
class AlertDraft:
    """An alert before it is stored."""

    kind: str
    dedup_key: str
    fingerprint: str
    player_id: int
    player_name: str
    title: str
    stat: str | None = None
    book: str | None = None
    line: float | None = None
    side: str | None = None
    edge: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def game_day(container: Container, as_of: dt.datetime) -> dt.date:
    """The league day `as_of` falls on (SYNC_TIMEZONE)."""
    return as_of.astimezone(ZoneInfo(container.settings.sync_timezone)).date()


def moved_past(before: float | None, now: float | None, fair: float | None) -> bool | None:
    """Whether the market's line went from `before` through (or onto) the fair line `fair`."""
    if before is None or now is None or fair is None:
        return None
    return now != before and (before - fair) * (now - fair) <= 0


def main_lines(session: Session, day: dt.date, as_of: dt.datetime) -> pd.DataFrame:
    """Every main-line snapshot of the day captured by `as_of`, of a known player and a priced
    stat, oldest first."""
    lines = snapshots(session, as_of=as_of, since=day, before=day + dt.timedelta(days=1))
    keep = (
        lines["is_main_line"].astype(bool)
        & lines["player_id"].notna()
        & lines["market"].isin(list(STATS))
    )
    lines = lines[keep].astype({"player_id": int})
    return lines.reset_index(drop=True)


def _per_book(lines: pd.DataFrame, keep: Literal["first", "last"]) -> pd.DataFrame:
    """Each book's first or latest main line of each (player, stat)."""
    return lines.drop_duplicates(["player_id", "market", "bookmaker"], keep=keep)


def _consensus(per_book: pd.DataFrame) -> dict[PropKey, float]:
    """The median line across books of each (player, stat)."""
    medians = per_book.groupby(["player_id", "market"])["line"].median()
    return {(int(pid), str(market)): float(v) for (pid, market), v in medians.items()}


def _fair_lines(props: list[dict[str, Any]]) -> dict[PropKey, float]:
    """The model's predicted value of each priced (player, stat)."""
    return {(int(p["player_id"]), str(p["stat"])): float(p["predicted_value"]) for p in props}


def edge_drafts(
    props: list[dict[str, Any]],
    threshold: float,
    opening: dict[PropKey, float],
    current: dict[PropKey, float],
    day: dt.date,
) -> list[AlertDraft]:
    """An alert per priced prop whose edge reaches `threshold`."""
    drafts = []
    for prop in props:
        side = prop.get("edge_side")
        if side is None or prop.get("edge") is None or prop["edge"] < threshold:
            continue
        key = (int(prop["player_id"]), str(prop["stat"]))
        best = prop[f"best_{side.lower()}"]
        fair = float(prop["predicted_value"])
        drafts.append(
            AlertDraft(
                kind="edge",
                dedup_key=f"edge:{day}:{key[0]}:{key[1]}:{prop['line']}:{side}",
                fingerprint=f"{side}:{best['book']}:{best['odds']}",
                player_id=key[0],
                player_name=str(prop["player"]),
                title=f"{prop['player']} {side} {prop['line']} {key[1]}: edge "
                f"{100 * prop['edge']:+.1f}% at {best['odds']:+d} ({best['book']})",
                stat=key[1],
                book=str(best["book"]),
                line=float(prop["line"]),
                side=side,
                edge=float(prop["edge"]),
                details={
                    "price": int(best["odds"]),
                    "fair_line": fair,
                    "opening_line": opening.get(key),
                    "current_line": current.get(key),
                    "model_over_probability": prop.get("over_probability"),
                    "market_over_probability": prop.get("market_over_probability"),
                    "market_past_fair": moved_past(opening.get(key), current.get(key), fair),
                },
            )
        )
    return drafts


def line_move_drafts(
    lines: pd.DataFrame, size: float, fair: dict[PropKey, float], day: dt.date
) -> list[AlertDraft]:
    """An alert per book whose main line moved at least `size` from its first of the day."""
    first = _per_book(lines, "first").set_index(["player_id", "market", "bookmaker"])["line"]
    latest = _per_book(lines, "last")
    drafts = []
    for row in latest.itertuples(index=False):
        opened = float(first[(row.player_id, row.market, row.bookmaker)])
        moved = float(row.line) - opened
        if abs(moved) < size:
            continue
        key = (int(row.player_id), str(row.market))
        drafts.append(
            AlertDraft(
                kind="line_move",
                dedup_key=f"line_move:{day}:{key[0]}:{key[1]}:{row.bookmaker}",
                fingerprint=f"{float(row.line)}",
                player_id=key[0],
                player_name=str(row.player_name),
                title=f"{row.player_name} {key[1]}: {row.bookmaker} moved {opened:g} to "
                f"{float(row.line):g} ({moved:+g})",
                stat=key[1],
                book=str(row.bookmaker),
                line=float(row.line),
                details={
                    "opening_line": opened,
                    "current_line": float(row.line),
                    "move": moved,
                    "fair_line": fair.get(key),
                    "market_past_fair": moved_past(opened, float(row.line), fair.get(key)),
                },
            )
        )
    return drafts


def injury_drafts(
    session: Session,
    lines: pd.DataFrame,
    fair: dict[PropKey, float],
    day: dt.date,
    as_of: dt.datetime,
) -> list[AlertDraft]:
    """An alert per player with open lines whose latest reported status is new."""
    names = lines.drop_duplicates("player_id", keep="last").set_index("player_id")["player_name"]
    current = _consensus(_per_book(lines, "last"))
    drafts = []
    for pid, status in latest_statuses(session, names.index, as_of).items():
        before = _consensus(_per_book(lines[lines["captured_at"] <= status.reported_at], "last"))
        stats = sorted(market for player, market in current if player == pid)
        past = {
            s: moved_past(before.get((pid, s)), current[(pid, s)], fair.get((pid, s)))
            for s in stats
        }
        known = [v for v in past.values() if v is not None]
        drafts.append(
            AlertDraft(
                kind="injury",
                dedup_key=f"injury:{day}:{pid}",
                fingerprint=f"{status.status}:{status.reported_at.isoformat()}"[:100],
                player_id=pid,
                player_name=str(names[pid]),
                title=f"{names[pid]}: {status.status} ({status.source})",
                details={
                    "status": status.status,
                    "note": status.note,
                    "reported_at": status.reported_at.isoformat(),
                    "stats": stats,
                    "lines_before": {s: before.get((pid, s)) for s in stats},
                    "current_lines": {s: current[(pid, s)] for s in stats},
                    "fair_lines": {s: fair.get((pid, s)) for s in stats},
                    "market_past_fair_by_stat": past,
                    "market_past_fair": any(known) if known else None,
                },
            )
        )
    return drafts


def detect_alerts(container: Container, as_of: dt.datetime) -> tuple[list[AlertDraft], str | None]:
    """Every alert the stored lines and reports support as of `as_of` (stored or not yet),
    and why the props could not be priced (None when they were)."""
    day = game_day(container, as_of)
    unpriced = None
    try:
        props = board(container, BoardQuery(date=day, as_of=as_of))["props"]
    except StatMusePicksError as exc:  # no model yet: line moves and injuries still alert
        props, unpriced = [], str(exc)
    fair = _fair_lines(props)
    with container.sessions() as session:
        lines = main_lines(session, day, as_of)
        if lines.empty:
            return [], unpriced
        opening = _consensus(_per_book(lines, "first"))
        current = _consensus(_per_book(lines, "last"))
        drafts = edge_drafts(props, container.settings.edge_threshold, opening, current, day)
        drafts += line_move_drafts(lines, container.settings.alert_line_move, fair, day)
        drafts += injury_drafts(session, lines, fair, day, as_of)
    return drafts, unpriced


def store_alerts(container: Container, drafts: list[AlertDraft], as_of: dt.datetime) -> list[int]:
    """Store the drafts whose state is new; the ids of the alerts stored now."""
    day = game_day(container, as_of)
    with session_scope(container.sessions) as session:
        seen = set(
            session.execute(
                select(PropAlert.dedup_key, PropAlert.fingerprint).where(
                    PropAlert.dedup_key.in_({d.dedup_key for d in drafts})
                )
            ).tuples()
        )
        fresh = [
            PropAlert(**asdict(d), as_of=as_of, game_date=day)
            for d in drafts
            if (d.dedup_key, d.fingerprint) not in seen
        ]
        session.add_all(fresh)
        session.flush()
        return [int(alert.id) for alert in fresh]
