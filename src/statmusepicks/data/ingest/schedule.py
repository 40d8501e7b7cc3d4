"""The league schedule (NBA.com `scheduleLeagueV2`) into `games`: status and tip-off time.

The schedule is one JSON document for the season:

    {"meta": {..., "time": "2025-11-14T12:01:15.1515Z"},
     "leagueSchedule": {"seasonYear": "2025-26", "gameDates": [
        {"gameDate": "11/15/2025 00:00:00", "games": [
            {"gameId": "0022500221", "gameStatus": 1, "gameStatusText": "7:00 pm ET",
             "gameDateEst": "2025-11-15T00:00:00Z", "gameDateTimeUTC": "2025-11-16T00:00:00Z",
             "postponedStatus": "N", "homeTeam": {"teamTricode": "DEN", ...},
             "awayTeam": {"teamTricode": "MIN", ...}, ...}, ...]}, ...]}}

`gameStatus` is 1 (scheduled), 2 (in progress) or 3 (final); a postponed game keeps its slot
with `postponedStatus` "Y" (its text says PPD). Games whose teams are not both NBA teams
(All-Star games, preseason visits of other leagues' clubs, playoff slots still to be decided)
are skipped. Box scores stay the authority for points: the schedule writes only the game's
identity, date, status and tip-off, so a game already final keeps its points.

Nothing is learnt from the future: a game whose tip-off is after the sync's as-of is stored as
scheduled (or postponed) whatever the document says, so a replayed day knows no result early.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from sqlalchemy import Engine, Table

from statmusepicks.core.errors import UpstreamError
from statmusepicks.core.league_clock import as_utc
from statmusepicks.data.clients.upstream import UpstreamJSONClient
from statmusepicks.data.db.models import Game
from statmusepicks.data.ingest.bundled import TableReport, load_validated
from statmusepicks.data.ingest.schemas import TEAM_CODES
from statmusepicks.data.ingest.tracking import tracked_run
from statmusepicks.data.ingest.validate import field_rule, row_rule, table_schema

RUN_KIND = "schedule"
SCHEDULED, IN_PROGRESS, FINAL, POSTPONED = "scheduled", "in_progress", "final", "postponed"
GAME_STATUS = {1: SCHEDULED, 2: IN_PROGRESS, 3: FINAL}
GAME_STATUSES = (SCHEDULED, IN_PROGRESS, FINAL, POSTPONED)
# The third digit of an NBA.com game id names its kind of game.
SEASON_TYPES = {
    "1": "Pre Season",
    "2": "Regular Season",
    "3": "All Star",
    "4": "Playoffs",
    "5": "PlayIn",
    "6": "NBA Cup Final",
}
SCHEDULE_COLUMNS = (
    "game_id", "game_date", "season", "season_type", "home_team", "away_team", "status",
    "tipoff_at",
)  # fmt: skip

SCHEDULE = table_schema(
    "games",
    [
        field_rule("game_id", "str"),
        field_rule("game_date", "date"),
        field_rule("season", "str"),
        field_rule("season_type", "str"),
        field_rule("home_team", "str"),
        field_rule("away_team", "str"),
        field_rule("status", "str"),
        field_rule("tipoff_at", "datetime", required=False),
    ],
    key=("game_id",),
    checks=(
        row_rule("unknown game status", ("status",), lambda f: ~f["status"].isin(GAME_STATUSES)),
    ),
)


@dataclass
class ScheduleImportReport:
    """What a schedule import did: its run, the games table's counts, games skipped."""

    run_id: int
    table: TableReport
    skipped: int = 0


def _status(game: dict[str, Any]) -> str:
    postponed = str(game.get("postponedStatus") or "N").upper() in ("Y", "P")
    text = str(game.get("gameStatusText") or "").strip().upper()
    if postponed or text in ("PPD", "POSTPONED"):
        return POSTPONED
    return GAME_STATUS.get(int(game.get("gameStatus") or 1), SCHEDULED)


def _row(game: dict[str, Any], season: str) -> dict[str, Any]:
    game_id = str(game.get("gameId") or "")
    tipoff = pd.to_datetime(game.get("gameDateTimeUTC"), utc=True, errors="coerce")
    return {
        "game_id": game_id,
        "game_date": str(game.get("gameDateEst") or "")[:10],
        "season": season,
        "season_type": SEASON_TYPES.get(game_id[2:3], "Regular Season"),
        "home_team": (game.get("homeTeam") or {}).get("teamTricode") or "",
        "away_team": (game.get("awayTeam") or {}).get("teamTricode") or "",
        "status": _status(game),
        "tipoff_at": tipoff,
    }


def parse_schedule(payload: Any, as_of: dt.datetime) -> tuple[pd.DataFrame, int]:
    """The schedule's games between NBA teams as `games` rows, and how many were skipped.

    Raises UpstreamError when the document is not a schedule at all.
    """
    schedule = payload.get("leagueSchedule") if isinstance(payload, dict) else None
    dates = schedule.get("gameDates") if isinstance(schedule, dict) else None
    if not isinstance(dates, list):
        raise UpstreamError("schedule payload has no leagueSchedule.gameDates list")
    season = str(schedule.get("seasonYear") or "") if isinstance(schedule, dict) else ""
    games = [
        game
        for day in dates
        if isinstance(day, dict)
        for game in (day.get("games") or [])
        if isinstance(game, dict)
    ]
    frame = pd.DataFrame([_row(game, season) for game in games], columns=list(SCHEDULE_COLUMNS))
    nba = frame["home_team"].isin(TEAM_CODES) & frame["away_team"].isin(TEAM_CODES)
    frame = frame[nba].reset_index(drop=True)
    future = frame["tipoff_at"].isna() | (frame["tipoff_at"] > pd.Timestamp(as_utc(as_of)))
    played = frame["status"].isin((IN_PROGRESS, FINAL))
    frame.loc[future & played, "status"] = SCHEDULED
    return frame, int((~nba).sum())


def import_schedule(
    engine: Engine, http: UpstreamJSONClient, url: str, as_of: dt.datetime
) -> ScheduleImportReport:
    """Fetch the schedule document at `url`, validate its games and upsert them into `games`,
    in one tracked run: the request is counted in the run's endpoints, and a failed one leaves
    a failed run (data quality per endpoint)."""
    with tracked_run(engine, RUN_KIND, http.calls) as tracker:
        response = http.get_json(url)
        tracker.add_payload(response.ref)
        frame, skipped = parse_schedule(response.payload, as_of)
        tracker.details["skipped_not_nba"] = skipped
        _, table = load_validated(
            engine, tracker.run_id, frame, SCHEDULE, cast(Table, Game.__table__)
        )
        tracker.add_table(table)
    return ScheduleImportReport(tracker.run_id, table, skipped)
