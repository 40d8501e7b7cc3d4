"""The odds sync: The Odds API prop markets into `prop_lines`, one row per price snapshot.

Each row's `captured_at` is the book's own `last_update` for that market, so re-reading an
unchanged market writes nothing, while every price move adds a snapshot next to the earlier
ones: opening and closing prices both survive for closing-line-value analysis.

A sync runs as of a moment: live, it asks for the current odds; historical, for the snapshot
The Odds API kept at that moment (a replay). Either way no row stamped after the moment is
stored. Given the snapshots still to come in the quota period, it spends no more than its
share of the remaining requests (`odds_budget.py`).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Table

from statmusepicks.core.errors import UpstreamNotFound
from statmusepicks.core.logging import get_logger
from statmusepicks.core.seasons import season_of
from statmusepicks.data.clients.odds_api import (
    PROP_MARKETS,
    OddsAPIClient,
    OddsResponse,
    Quota,
    odds_call_cost,
)
from statmusepicks.data.clients.teams import team_code
from statmusepicks.data.db.models import PropLine
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.bundled import EASTERN, load_validated
from statmusepicks.data.ingest.odds_budget import SnapshotBudget, plan_snapshot
from statmusepicks.data.ingest.player_names import player_directory, resolve_player_ids
from statmusepicks.data.ingest.tracking import tracked_run

log = get_logger(__name__)

RUN_KIND = "odds"
SOURCE = "odds_api_live"
HISTORICAL_SOURCE = "odds_api_historical"
# Books post player props from the morning of game day; events further out have none yet and
# each request costs quota.
HORIZON = dt.timedelta(hours=36)
# Event-odds requests in flight at once: each answer is a few hundred kB the sync waits on, and
# four overlap that wait without holding many connections to the API.
ODDS_WORKERS = 4


@dataclass
class OddsSyncReport:
    """What an odds sync did."""

    run_id: int
    historical: bool = False
    events_seen: int = 0
    events_priced: int = 0
    lines_added: int = 0
    quarantined: int = 0
    future_rows_dropped: int = 0
    requests_spent: int = 0
    skipped_events: list[str] = field(default_factory=list)
    thinned_events: list[str] = field(default_factory=list)
    budget: SnapshotBudget | None = None
    quota: Quota = field(default_factory=Quota)

    def details(self) -> dict[str, Any]:
        """What a job report or the ingestion run records about this sync."""
        return {
            "historical": self.historical,
            "events_seen": self.events_seen,
            "events_priced": self.events_priced,
            "skipped_events": self.skipped_events,
            "thinned_events": self.thinned_events,
            "future_rows_dropped": self.future_rows_dropped,
            "requests_spent": self.requests_spent,
            "quota_remaining": self.quota.remaining,
            "quota_used": self.quota.used,
            "budget": None
            if self.budget is None
            else {
                "mode": self.budget.mode,
                "allowance": self.budget.allowance,
                "snapshots_left": self.budget.snapshots_left,
                "reason": self.budget.reason,
            },
        }


def american_to_probability(price: pd.Series) -> pd.Series:
    """Implied probability of American odds (vig included)."""
    price = pd.to_numeric(price, errors="coerce").astype(float)
    return pd.Series(
        np.where(price < 0, -price / (-price + 100), 100 / (price + 100)), index=price.index
    )


def event_rows(
    event: dict[str, Any], fetched_at: dt.datetime, *, source: str = SOURCE
) -> pd.DataFrame:
    """One event's outcomes as `prop_lines` rows (values as sent; the validator judges them)."""
    commence = _utc(event.get("commence_time"))
    game_date = commence.tz_convert(EASTERN).date() if commence is not None else None
    base = {
        "season": season_of(game_date) if game_date else None,
        "game_date": game_date,
        "commence_time": commence,
        "event_id": event.get("id"),
        "home_team": team_code(str(event.get("home_team", ""))) or event.get("home_team"),
        "away_team": team_code(str(event.get("away_team", ""))) or event.get("away_team"),
        "source": source,
    }
    sides: dict[tuple[Any, ...], dict[str, Any]] = {}
    for book in event.get("bookmakers") or []:
        for market in book.get("markets") or []:
            captured = market.get("last_update") or book.get("last_update")
            for outcome in market.get("outcomes") or []:
                key = (
                    book.get("key"),
                    market.get("key"),
                    outcome.get("description"),
                    outcome.get("point"),
                    captured,
                )
                row = sides.setdefault(
                    key,
                    {
                        **base,
                        "bookmaker": book.get("key"),
                        "market": PROP_MARKETS.get(str(market.get("key")), market.get("key")),
                        "player_name": outcome.get("description"),
                        "line": outcome.get("point"),
                        "captured_at": captured or fetched_at.isoformat(),
                        "captured_at_estimated": captured is None,
                        "over_price": None,
                        "under_price": None,
                    },
                )
                side = str(outcome.get("name", "")).lower()
                if side in ("over", "under"):
                    row[f"{side}_price"] = outcome.get("price")
    frame = pd.DataFrame(list(sides.values()))
    return with_ladder_columns(frame) if not frame.empty else frame


def with_ladder_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """`is_main_line` (the rung whose prices are closest to even) and `n_book_lines`."""
    keys = frame[["event_id", "player_name", "market", "bookmaker", "captured_at"]].astype(str)
    distance = (
        american_to_probability(frame["over_price"]) - american_to_probability(frame["under_price"])
    ).abs()
    closest_first = distance.fillna(np.inf).sort_values(kind="stable").index
    is_main = ~keys.loc[closest_first].duplicated()
    return frame.assign(
        is_main_line=is_main.reindex(frame.index),
        n_book_lines=keys.groupby(list(keys.columns))["event_id"].transform("size"),
    )


def sync_odds(
    engine: Engine,
    client: OddsAPIClient,
    *,
    now: dt.datetime | None = None,
    historical: bool = False,
    snapshots_left: int | None = None,
) -> OddsSyncReport:
    """Store a snapshot of the props of every event starting in the next 36 hours, as of `now`.

    `historical` asks for the snapshot The Odds API kept at `now`. `snapshots_left` (this one
    included) enables the quota budget; None spends what the events need.
    """
    now = now or dt.datetime.now(dt.UTC)
    with tracked_run(engine, RUN_KIND, client.http.calls) as tracker:
        report = OddsSyncReport(run_id=tracker.run_id, historical=historical)
        events = client.get_events(at=_iso(now) if historical else None)
        tracker.add_payload(events.payload_ref)
        report.quota = events.quota
        report.requests_spent = events.quota.last or 0
        report.events_seen = len(events.payload)
        upcoming = sorted(
            (event for event in events.payload if _starts_soon(event, now)),
            key=lambda event: str(event.get("commence_time")),
        )
        chosen = upcoming
        if snapshots_left is not None:
            cost = odds_call_cost(len(PROP_MARKETS), historical=historical)
            report.budget = plan_snapshot(
                len(upcoming), cost, events.quota.remaining, snapshots_left
            )
            chosen = upcoming[: report.budget.events]
            report.thinned_events = [str(event.get("id")) for event in upcoming[len(chosen) :]]
        frames = []
        for event, odds in zip(
            chosen, _all_event_odds(client, chosen, now, historical=historical), strict=True
        ):
            if odds is None:
                # An event can vanish between the list and the odds call (postponed game).
                report.skipped_events.append(str(event.get("id")))
                continue
            tracker.add_payload(odds.payload_ref)
            report.requests_spent += odds.quota.last or 0
            if odds.quota.remaining is not None and (
                report.quota.remaining is None or odds.quota.remaining <= report.quota.remaining
            ):
                # Answers arrive in any order: the lowest count left is the newest one.
                report.quota = odds.quota
            source = HISTORICAL_SOURCE if historical else SOURCE
            frames.append(event_rows(odds.payload, now, source=source))
        report.events_priced = len(frames)
        rows = [frame for frame in frames if not frame.empty]
        if rows:
            lines = pd.concat(rows, ignore_index=True)
            stamped = pd.to_datetime(lines["captured_at"], utc=True, errors="coerce")
            future = stamped > pd.Timestamp(now)
            report.future_rows_dropped = int(future.sum())
            lines = lines[~future]
        if rows and not lines.empty:
            directory = player_directory(engine)
            lines["player_id"] = resolve_player_ids(
                lines["player_name"], directory, (lines["home_team"], lines["away_team"])
            )
            _, table = load_validated(
                engine, tracker.run_id, lines, schemas.PROP_LINES, cast(Table, PropLine.__table__)
            )
            tracker.add_table(table)
            report.lines_added = table.inserted
            report.quarantined = table.quarantined
        tracker.details.update(report.details())
    return report


def _all_event_odds(
    client: OddsAPIClient, events: list[dict[str, Any]], now: dt.datetime, *, historical: bool
) -> list[OddsResponse | None]:
    """Each event's odds, in the events' order, ODDS_WORKERS requests in flight at a time.

    The client's rate limiter paces every request whichever thread sends it. On a failure the
    requests not yet sent are cancelled, so a broken upstream costs no more quota than
    asking one event at a time would, give or take the requests already in flight.
    """
    if not events:
        return []
    pool = ThreadPoolExecutor(max_workers=min(ODDS_WORKERS, len(events)))
    try:
        futures = [
            pool.submit(_event_odds, client, str(event.get("id")), now, historical=historical)
            for event in events
        ]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _event_odds(
    client: OddsAPIClient, event_id: str, now: dt.datetime, *, historical: bool
) -> OddsResponse | None:
    try:
        return client.get_event_odds(event_id, at=_iso(now) if historical else None)
    except UpstreamNotFound:
        return None


def _iso(moment: dt.datetime) -> str:
    """The API's date format: ISO 8601 in UTC with a Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _starts_soon(event: dict[str, Any], now: dt.datetime) -> bool:
    commence = _utc(event.get("commence_time"))
    if commence is None:
        return False
    # Started games are left out: their props are closed, and pricing them costs quota.
    return bool(now < commence.to_pydatetime() <= now + HORIZON)


def _utc(value: Any) -> pd.Timestamp | None:
    if not isinstance(value, str):
        return None
    parsed = pd.to_datetime(value, utc=True, errors="coerce")
    return None if pd.isna(parsed) else pd.Timestamp(parsed)
