"""A local stats.nba.com answering `leaguegamelog` from the bundled 2025-26 box scores.

The rows are the bundled data/bundled player and team game logs of `first`..`last`, laid out
as NBA.com sends them (tests/fixtures/build_fixtures.py builds each row), served by the same
`NBAStatsServer` as the fixture stand-in, which filters by Season, SeasonType, DateFrom and
DateTo like the real endpoint. `plant` adds a row the server holds but no sync run at an
earlier as-of time may read (a game dated after it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from statmusepicks.data.clients import nba_stats
from tests.fixtures.build_fixtures import player_log_row, team_log_row
from tests.upstream_fakes import NBAStatsServer

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data" / "bundled"
SEASON = "2025-26"


def _payload(kind: str, headers: tuple[str, ...], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resource": "leaguegamelog",
        "parameters": {"PlayerOrTeam": kind, "Season": SEASON},
        "resultSets": [
            {
                "name": "LeagueGameLog",
                "headers": list(headers),
                "rowSet": [[row.get(h) for h in headers] for row in rows],
            }
        ],
    }


def bundled_game_logs(
    first: dt.date,
    last: dt.date,
    *,
    teams: tuple[str, ...] | None = None,
    data_dir: Path = BUNDLED_DIR,
) -> dict[str, dict[str, Any]]:
    """leaguegamelog payloads (P and T) holding the bundled regular-season games of the range
    (only games involving `teams` when given, to keep small tests small)."""
    players = pd.read_parquet(data_dir / "player_game_logs.parquet")
    team_logs = pd.read_parquet(data_dir / "team_game_logs.parquet")

    def in_range(frame: pd.DataFrame) -> pd.DataFrame:
        day = pd.to_datetime(frame["game_date"]).dt.date
        keep = (day >= first) & (day <= last) & frame["season_type"].eq("Regular Season")
        if teams is not None:
            keep &= frame["team"].isin(teams) | frame["opp"].isin(teams)
        return frame[keep]

    return {
        "P": _payload(
            "P",
            nba_stats.LEAGUE_GAME_LOG_PLAYER,
            [player_log_row(row) for row in in_range(players).to_dict("records")],
        ),
        "T": _payload(
            "T",
            nba_stats.LEAGUE_GAME_LOG_TEAM,
            [team_log_row(row) for row in in_range(team_logs).to_dict("records")],
        ),
    }


def bundled_nba_server(
    first: dt.date, last: dt.date, *, teams: tuple[str, ...] | None = None
) -> NBAStatsServer:
    """An `NBAStatsServer` over the bundled games of the range (serve it with `running`)."""
    return NBAStatsServer(payloads=bundled_game_logs(first, last, teams=teams))


def plant(server: NBAStatsServer, day: dt.date, *, game_id: str = "0029999999") -> int:
    """Copy the server's first player row to `day` under a fake game id; returns its player."""
    result = server.payloads["P"]["resultSets"][0]
    headers = result["headers"]
    row = list(result["rowSet"][0])
    row[headers.index("GAME_DATE")] = day.isoformat()
    row[headers.index("GAME_ID")] = game_id
    result["rowSet"].append(row)
    return int(row[headers.index("PLAYER_ID")])
