"""NBA.com's season schedule (`scheduleLeagueV2`) rebuilt from the bundled 2025-26 games.

Each regular-season game of the bundled team logs in `first`..`last` becomes a game of the
document, laid out as NBA.com sends it (gameDates of games with gameId, gameStatus, gameDateEst,
gameDateTimeUTC, homeTeam/awayTeam with tricode and score). The document is the one NBA.com
serves after the stretch: every game final with its score. The schedule import keeps a game
whose tip-off is after its as-of time scheduled, so a replayed morning learns no result early.
Tip-offs are the books' event start times in the bundled prop lines (every bundled game has
one); a game without a line would tip at 19:00 New York.

Serve it with `LeagueFiles(schedule=bundled_schedule(...))` (tests/fakes/league_files.py); its
`schedule_url` goes into NBA_SCHEDULE_URL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data" / "bundled"
NEW_YORK = ZoneInfo("America/New_York")
DEFAULT_TIP = dt.time(19, 0)


def _iso(moment: pd.Timestamp) -> str:
    return moment.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _team(code: str, score: int) -> dict[str, Any]:
    return {"teamTricode": code, "score": int(score)}


def bundled_games(
    first: dt.date,
    last: dt.date,
    *,
    teams: tuple[str, ...] | None = None,
    data_dir: Path = BUNDLED_DIR,
) -> pd.DataFrame:
    """One row per bundled regular-season game of the range (only games of `teams` when
    given): game_id, game_date, home, away, their points and the tip-off (UTC). A game on
    neutral ground (no home side in the logs) lists its first team as home."""
    logs = pd.read_parquet(data_dir / "team_game_logs.parquet")
    day = pd.to_datetime(logs["game_date"]).dt.date
    keep = (day >= first) & (day <= last) & logs["season_type"].eq("Regular Season")
    if teams is not None:
        keep &= logs["team"].isin(teams) | logs["opp"].isin(teams)
    home = (
        logs[keep].sort_values("is_home", ascending=False, kind="stable").drop_duplicates("game_id")
    )
    games = pd.DataFrame(
        {
            "game_id": home["game_id"].astype(str),
            "game_date": pd.to_datetime(home["game_date"]).dt.date,
            "home": home["team"],
            "away": home["opp"],
            "home_points": home["pts"],
            "away_points": home["opp_pts"],
        }
    )
    lines = pd.read_parquet(
        data_dir / "prop_lines.parquet",
        columns=["game_date", "home_team", "away_team", "commence_time"],
    )
    tips = (
        lines.assign(
            game_date=pd.to_datetime(lines["game_date"]).dt.date,
            tip=pd.to_datetime(lines["commence_time"], utc=True),
        )
        .groupby(["game_date", "home_team", "away_team"])["tip"]
        .min()
        .rename("tip")
        .reset_index()
        .rename(columns={"home_team": "home", "away_team": "away"})
    )
    games = games.merge(tips, on=["game_date", "home", "away"], how="left")
    default = pd.to_datetime(
        [dt.datetime.combine(d, DEFAULT_TIP, tzinfo=NEW_YORK) for d in games["game_date"]],
        utc=True,
    )
    games["tip"] = games["tip"].fillna(pd.Series(default, index=games.index))
    return games.sort_values(["game_date", "tip", "game_id"]).reset_index(drop=True)


def bundled_schedule(
    first: dt.date,
    last: dt.date,
    *,
    teams: tuple[str, ...] | None = None,
    data_dir: Path = BUNDLED_DIR,
) -> dict[str, Any]:
    """The scheduleLeagueV2 document of the bundled games of the range (of `teams`)."""
    dates = []
    games_of_range = bundled_games(first, last, teams=teams, data_dir=data_dir)
    for day, games in games_of_range.groupby("game_date"):
        dates.append(
            {
                "gameDate": f"{day:%m/%d/%Y} 00:00:00",
                "games": [
                    {
                        "gameId": game.game_id,
                        "gameStatus": 3,
                        "gameStatusText": "Final",
                        "gameDateEst": f"{day:%Y-%m-%d}T00:00:00Z",
                        "gameDateTimeUTC": _iso(game.tip),
                        "postponedStatus": "N",
                        "homeTeam": _team(game.home, game.home_points),
                        "awayTeam": _team(game.away, game.away_points),
                    }
                    for game in games.itertuples(index=False)
                ],
            }
        )
    return {
        "meta": {"version": 1, "time": f"{last + dt.timedelta(days=1):%Y-%m-%d}T12:00:00Z"},
        "leagueSchedule": {"seasonYear": "2025-26", "leagueId": "00", "gameDates": dates},
    }
