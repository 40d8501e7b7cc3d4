"""The NBA daily sync: new box scores from stats.nba.com into the same tables as the bundle.

One `leaguegamelog` request for players (P) and one for teams (T) cover a whole date range, so
a morning sync costs two requests instead of one per player. Rows are mapped to the bundled
schema, validated by the same rules as the bundled load (bad rows quarantined, the rest kept,
>3 sigma values flagged against each player's stored history) and upserted, so running the
same range twice writes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, Table, func, select

from statmusepicks.core.seasons import season_of, season_start, seasons_before
from statmusepicks.data.clients.nba_stats import (
    LEAGUE_GAME_LOG_PLAYER,
    LEAGUE_GAME_LOG_TEAM,
    MalformedRow,
    NBAStatsClient,
)
from statmusepicks.data.db.models import Game, Player, PlayerGameStats, Team, TeamGameStats
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.bundled import (
    TableReport,
    derive_games,
    derive_players,
    derive_teams,
    load_validated,
)
from statmusepicks.data.ingest.game_log_rows import player_rows, team_rows
from statmusepicks.data.ingest.history_flags import flag_against_history, python_value
from statmusepicks.data.ingest.tracking import RunTracker, tracked_run
from statmusepicks.data.ingest.upsert import upsert_frame
from statmusepicks.data.ingest.validate import (
    TableSchema,
    ValidationResult,
)

EASTERN = ZoneInfo("America/New_York")
RUN_KIND = "nba_daily"
# Play-in and playoff games only happen from April to June; asking for them in other months
# would spend two of the 20 requests a minute on empty answers.
POSTSEASON_MONTHS = (4, 5, 6)


@dataclass
class NBASyncReport:
    """What a sync did: its range, the run that recorded it, and what changed."""

    run_id: int
    since: dt.date
    until: dt.date
    games_added: int = 0
    player_rows_added: int = 0
    team_rows_added: int = 0
    quarantined: int = 0
    flagged: int = 0
    new_players: list[int] = field(default_factory=list)
    team_changes: list[dict[str, Any]] = field(default_factory=list)
    players_touched: list[int] = field(default_factory=list)
    latest_game_date: dt.date | None = None


@dataclass
class GameLogs:
    """The raw player and team rows of a range, plus rows too malformed to frame."""

    players: pd.DataFrame
    teams: pd.DataFrame
    malformed_players: list[MalformedRow] = field(default_factory=list)
    malformed_teams: list[MalformedRow] = field(default_factory=list)


def today_eastern(now: dt.datetime) -> dt.date:
    """The date in New York at `now`, the calendar NBA game dates use."""
    return now.astimezone(EASTERN).date()


def last_complete_day(as_of: dt.datetime) -> dt.date:
    """The last game date whose box scores a sync run at `as_of` may read: the day before.

    A game of the as-of day may still be playing (or not have started), and NBA.com corrects
    box scores for a few hours after the final buzzer, so only earlier days are complete.
    """
    return today_eastern(as_of) - dt.timedelta(days=1)


def latest_game_date(engine: Engine) -> dt.date | None:
    """The date of the latest game stored (None on an empty database)."""
    with engine.connect() as connection:
        latest = connection.execute(select(func.max(PlayerGameStats.game_date))).scalar()
    if latest is None:
        return None
    return latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest)[:10])


def default_since(engine: Engine, until: dt.date) -> dt.date:
    """The day after the latest stored game; `until` alone on an empty database."""
    latest = latest_game_date(engine)
    return latest + dt.timedelta(days=1) if latest else until


def season_windows(since: dt.date, until: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Split a date range at season boundaries (leaguegamelog takes one season a request)."""
    windows: list[tuple[str, dt.date, dt.date]] = []
    start = since
    while start <= until:
        season = season_of(start)
        next_start = season_start(seasons_before(season, -1))
        end = min(until, next_start - dt.timedelta(days=1))
        windows.append((season, start, end))
        start = end + dt.timedelta(days=1)
    return windows


def season_types_for(since: dt.date, until: dt.date) -> tuple[str, ...]:
    """Regular season always; play-in and playoffs when the range touches April to June."""
    months = {
        (since + dt.timedelta(days=offset)).month for offset in range((until - since).days + 1)
    }
    if months & set(POSTSEASON_MONTHS):
        return ("Regular Season", "PlayIn", "Playoffs")
    return ("Regular Season",)


def fetch_game_logs(
    client: NBAStatsClient, since: dt.date, until: dt.date, tracker: RunTracker | None = None
) -> GameLogs:
    """Every player and team box score between `since` and `until` (inclusive)."""
    players: list[pd.DataFrame] = []
    teams: list[pd.DataFrame] = []
    logs = GameLogs(players=pd.DataFrame(), teams=pd.DataFrame())
    for season, start, end in season_windows(since, until):
        for season_type in season_types_for(start, end):
            for kind, frames, malformed in (
                ("P", players, logs.malformed_players),
                ("T", teams, logs.malformed_teams),
            ):
                result = client.get_league_game_log(
                    season=season,
                    player_or_team=kind,  # type: ignore[arg-type]
                    date_from=start,
                    date_to=end,
                    season_type=season_type,  # type: ignore[arg-type]
                )
                if tracker is not None:
                    tracker.add_payload(result.payload_ref)
                frames.append(result.frame.assign(_season=season, _season_type=season_type))
                malformed.extend(result.malformed)
    logs.players = (
        within(pd.concat(players, ignore_index=True), since, until) if players else pd.DataFrame()
    )
    logs.teams = (
        within(pd.concat(teams, ignore_index=True), since, until) if teams else pd.DataFrame()
    )
    return logs


def within(frame: pd.DataFrame, since: dt.date, until: dt.date) -> pd.DataFrame:
    """The rows dated inside the asked range (rows without a readable date are kept for the
    validator to quarantine): a row dated after `until` is data from after the sync's as-of
    time, which no job may read, whatever the upstream sends."""
    if "GAME_DATE" not in frame.columns or frame.empty:
        return frame
    day = pd.to_datetime(frame["GAME_DATE"].astype("string").str[:10], errors="coerce").dt.date
    outside = day.notna() & ((day < since) | (day > until))
    return frame[~outside.to_numpy(dtype=bool)].reset_index(drop=True)


def malformed_frame(malformed: Sequence[MalformedRow], headers: Sequence[str]) -> pd.DataFrame:
    """Malformed upstream rows in the quarantine table's shape (reason, raw, row_key)."""
    records = []
    for row in malformed:
        cells = row.raw if isinstance(row.raw, list) else [row.raw]
        raw = {"cells": cells, "headers": list(headers)}
        records.append(
            {"reason": row.reason, "raw": raw, "row_key": f"malformed|{row.index}|{cells!r}"[:200]}
        )
    return pd.DataFrame(records, columns=["reason", "raw", "row_key"])


def _table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def load_rows(
    tracker: RunTracker, frame: pd.DataFrame, schema: TableSchema, table: Table
) -> pd.DataFrame:
    """Validate, flag against history, quarantine and upsert; returns the clean rows."""

    def flag(result: ValidationResult) -> None:
        if schema.outlier_columns:
            result.clean["outlier_flags"] = flag_against_history(
                tracker.engine, result.clean, schema, table
            )
            result.flagged = int(result.clean["outlier_flags"].notna().sum())

    result, report = load_validated(tracker.engine, tracker.run_id, frame, schema, table, flag=flag)
    tracker.add_table(report)
    return result.clean


def update_players(tracker: RunTracker, clean_players: pd.DataFrame, report: NBASyncReport) -> None:
    """Add new players and move traded ones, never letting an older game undo a newer team."""
    latest = derive_players(clean_players)
    ids = [python_value(v) for v in latest["player_id"]]
    with tracker.engine.connect() as connection:
        known = pd.DataFrame(
            connection.execute(
                select(Player.player_id, Player.team, Player.last_game_date).where(
                    Player.player_id.in_(ids)
                )
            )
            .mappings()
            .all(),
            columns=["player_id", "team", "last_game_date"],
        )
    merged = latest.merge(known, on="player_id", how="left", suffixes=("", "_known"))
    known_date = pd.to_datetime(merged["last_game_date_known"]).dt.date
    is_new = merged["team_known"].isna()
    newer = is_new | (merged["last_game_date"] >= known_date.where(~is_new, dt.date.min))
    moved = ~is_new & newer & merged["team"].ne(merged["team_known"])
    report.new_players = sorted(int(v) for v in merged.loc[is_new, "player_id"].to_list())
    report.team_changes = [
        {"player_id": int(player_id), "from": before, "to": after}
        for player_id, before, after in merged.loc[
            moved, ["player_id", "team_known", "team"]
        ].itertuples(index=False, name=None)
    ]
    written = upsert_frame(tracker.engine, _table(Player), latest[newer.to_numpy()], ("player_id",))
    tracker.add_table(
        TableReport(
            table="players",
            rows_in=len(latest),
            inserted=written.inserted,
            updated=written.updated,
        )
    )


def _upsert_derived(tracker: RunTracker, frame: pd.DataFrame, table: Table, key: str) -> int:
    written = upsert_frame(tracker.engine, table, frame, (key,))
    tracker.add_table(
        TableReport(
            table=table.name, rows_in=len(frame), inserted=written.inserted, updated=written.updated
        )
    )
    return written.inserted


def _stored_player_games(engine: Engine, incoming: pd.DataFrame) -> set[tuple[str, str]]:
    if incoming.empty or "game_id" not in incoming:
        return set()
    game_ids = [str(v) for v in incoming["game_id"].dropna().unique()]
    with engine.connect() as connection:
        rows = connection.execute(
            select(PlayerGameStats.player_id, PlayerGameStats.game_id).where(
                PlayerGameStats.game_id.in_(game_ids)
            )
        ).all()
    return {(str(player_id), str(game_id)) for player_id, game_id in rows}


def _touched(
    clean: pd.DataFrame, stored_before: set[tuple[str, str]], table: TableReport
) -> list[int]:
    """Players whose stored games changed: new rows, or every player when a row was corrected.

    The upsert reports how many rows it updated but not which, so a stat correction touches the
    whole batch: invalidating a few extra cache entries is cheap, serving a stale one is not.
    """
    if clean.empty:
        return []
    if table.updated:
        return sorted(int(v) for v in clean["player_id"].unique())
    keys = zip(clean["player_id"].astype(str), clean["game_id"].astype(str), strict=True)
    fresh = [key not in stored_before for key in keys]
    return sorted(int(v) for v in clean.loc[fresh, "player_id"].unique())


def sync_nba(
    engine: Engine,
    client: NBAStatsClient,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    as_of: dt.datetime | None = None,
) -> NBASyncReport:
    """Fetch, validate and store every game from `since` to `until`, never past the day
    before `as_of` (`last_complete_day`). `since` defaults to the day after the latest stored
    game.

    The run is recorded in `ingestion_runs`; an upstream failure marks it failed and propagates
    (UpstreamError and subclasses) so that the scheduler can alert and retry.
    """
    bounds = [day for day in (until, last_complete_day(as_of) if as_of else None) if day]
    if not bounds:
        raise ValueError("an NBA sync needs `until` or `as_of`")
    until = min(bounds)
    since = since or default_since(engine, until)
    with tracked_run(engine, RUN_KIND, client.http.calls) as tracker:
        report = NBASyncReport(run_id=tracker.run_id, since=since, until=until)
        tracker.details.update(
            {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "as_of": as_of.isoformat() if as_of else None,
            }
        )
        if since <= until:
            _sync_range(tracker, client, report)
        report.latest_game_date = latest_game_date(engine)
        tracker.details.update(
            {
                "new_players": report.new_players,
                "team_changes": report.team_changes,
                "games_added": report.games_added,
            }
        )
    return report


def _sync_range(tracker: RunTracker, client: NBAStatsClient, report: NBASyncReport) -> None:
    logs = fetch_game_logs(client, report.since, report.until, tracker)
    for malformed, name, headers in (
        (logs.malformed_players, "player_game_stats", LEAGUE_GAME_LOG_PLAYER),
        (logs.malformed_teams, "team_game_stats", LEAGUE_GAME_LOG_TEAM),
    ):
        if malformed:
            rejected = malformed_frame(malformed, headers)
            tracker.quarantine_rows(name, rejected)
            tracker.add_table(
                TableReport(
                    table=name,
                    rows_in=len(malformed),
                    quarantined=len(malformed),
                    reasons={"malformed upstream row": len(malformed)},
                )
            )
    incoming = player_rows(logs.players)
    stored_before = _stored_player_games(tracker.engine, incoming)
    players = load_rows(tracker, incoming, schemas.PLAYER_GAME_STATS, _table(PlayerGameStats))
    teams = load_rows(
        tracker, team_rows(logs.teams), schemas.TEAM_GAME_STATS, _table(TeamGameStats)
    )
    if not teams.empty or not players.empty:
        _upsert_derived(tracker, derive_teams(players, teams), _table(Team), "team_id")
        report.games_added = _upsert_derived(
            tracker, derive_games(players, teams), _table(Game), "game_id"
        )
    if not players.empty:
        update_players(tracker, players, report)
    report.player_rows_added = tracker.table("player_game_stats").inserted
    report.team_rows_added = tracker.table("team_game_stats").inserted
    report.quarantined = sum(t.quarantined for t in tracker.tables)
    report.flagged = sum(t.flagged for t in tracker.tables)
    report.players_touched = _touched(players, stored_before, tracker.table("player_game_stats"))
