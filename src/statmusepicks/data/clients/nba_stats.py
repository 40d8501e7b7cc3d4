"""A thin client for stats.nba.com: the endpoints the project needs, in their real format.

Every endpoint answers `{"resource": ..., "parameters": ..., "resultSets": [{"name", "headers",
"rowSet"}]}`. The client checks that envelope and returns each result set as a DataFrame with the
upstream column names; mapping to the project's tables is the ingest layer's job. A row whose
cell count disagrees with the headers is set aside as malformed (the caller quarantines it), so
one bad row never costs the rest of the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Unpack

import pandas as pd

from statmusepicks.core.errors import UpstreamError, UpstreamNotFound
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.payloads import PayloadRef
from statmusepicks.data.clients.upstream import UpstreamJSONClient, Wiring, upstream_from_settings

log = get_logger(__name__)

SOURCE = "nba_stats"

# stats.nba.com drops or stalls requests that do not look like they come from nba.com.
REQUEST_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36"
    ),
    "Referer": "https://www.nba.com/",
    "Origin": "https://www.nba.com",
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
    "x-nba-stats-origin": "stats",
    "x-nba-stats-token": "true",
    "Connection": "keep-alive",
}

# Exact header lists of the result sets used, as stats.nba.com sends them (nba_api 1.x
# `expected_data`; the player variant of leaguegamelog adds PLAYER_ID/PLAYER_NAME/FANTASY_PTS).
_BOX = (
    "FGM", "FGA", "FG_PCT", "FG3M", "FG3A", "FG3_PCT", "FTM", "FTA", "FT_PCT",
    "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF", "PTS", "PLUS_MINUS",
)  # fmt: skip
LEAGUE_GAME_LOG_TEAM = (
    "SEASON_ID", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME", "GAME_ID", "GAME_DATE",
    "MATCHUP", "WL", "MIN", *_BOX, "VIDEO_AVAILABLE",
)  # fmt: skip
LEAGUE_GAME_LOG_PLAYER = (
    "SEASON_ID", "PLAYER_ID", "PLAYER_NAME", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME",
    "GAME_ID", "GAME_DATE", "MATCHUP", "WL", "MIN", *_BOX, "FANTASY_PTS", "VIDEO_AVAILABLE",
)  # fmt: skip
PLAYER_GAME_LOG = (
    "SEASON_ID", "Player_ID", "Game_ID", "GAME_DATE", "MATCHUP", "WL", "MIN", *_BOX,
    "VIDEO_AVAILABLE",
)  # fmt: skip
COMMON_PLAYER_INFO = (
    "PERSON_ID", "FIRST_NAME", "LAST_NAME", "DISPLAY_FIRST_LAST", "DISPLAY_LAST_COMMA_FIRST",
    "DISPLAY_FI_LAST", "PLAYER_SLUG", "BIRTHDATE", "SCHOOL", "COUNTRY", "LAST_AFFILIATION",
    "HEIGHT", "WEIGHT", "SEASON_EXP", "JERSEY", "POSITION", "ROSTERSTATUS", "TEAM_ID",
    "TEAM_NAME", "TEAM_ABBREVIATION", "TEAM_CODE", "TEAM_CITY", "PLAYERCODE", "FROM_YEAR",
    "TO_YEAR", "DLEAGUE_FLAG", "NBA_FLAG", "GAMES_PLAYED_FLAG", "DRAFT_YEAR", "DRAFT_ROUND",
    "DRAFT_NUMBER",
)  # fmt: skip
PLAYER_HEADLINE_STATS = ("PLAYER_ID", "PLAYER_NAME", "TimeFrame", "PTS", "AST", "REB", "PIE")
COMMON_ALL_PLAYERS = (
    "PERSON_ID", "DISPLAY_LAST_COMMA_FIRST", "DISPLAY_FIRST_LAST", "ROSTERSTATUS", "FROM_YEAR",
    "TO_YEAR", "PLAYERCODE", "TEAM_ID", "TEAM_CITY", "TEAM_NAME", "TEAM_ABBREVIATION",
    "TEAM_CODE", "GAMES_PLAYED_FLAG", "OTHERLEAGUE_EXPERIENCE_CH",
)  # fmt: skip
DASH_BASE = (
    "GP", "W", "L", "W_PCT", "MIN", "FGM", "FGA", "FG_PCT", "FG3M", "FG3A", "FG3_PCT", "FTM",
    "FTA", "FT_PCT", "OREB", "DREB", "REB", "AST", "TOV", "STL", "BLK", "BLKA", "PF", "PFD",
    "PTS", "PLUS_MINUS",
)  # fmt: skip
DASH_BASE_RANKS = tuple(f"{column}_RANK" for column in DASH_BASE)
LEAGUE_DASH_PLAYER_BASE = (
    "PLAYER_ID", "PLAYER_NAME", "TEAM_ID", "TEAM_ABBREVIATION", "AGE", *DASH_BASE,
    "NBA_FANTASY_PTS", "DD2", "TD3", *DASH_BASE_RANKS, "NBA_FANTASY_PTS_RANK", "DD2_RANK",
    "TD3_RANK", "CFID", "CFPARAMS",
)  # fmt: skip
LEAGUE_DASH_TEAM_BASE = ("TEAM_ID", "TEAM_NAME", *DASH_BASE, *DASH_BASE_RANKS, "CFID", "CFPARAMS")
LEAGUE_DASH_TEAM_ADVANCED = (
    "TEAM_ID", "TEAM_NAME", "GP", "W", "L", "W_PCT", "MIN", "E_OFF_RATING", "OFF_RATING",
    "E_DEF_RATING", "DEF_RATING", "E_NET_RATING", "NET_RATING", "AST_PCT", "AST_TO", "AST_RATIO",
    "OREB_PCT", "DREB_PCT", "REB_PCT", "TM_TOV_PCT", "EFG_PCT", "TS_PCT", "E_PACE", "PACE",
    "PACE_PER40", "POSS", "PIE", "GP_RANK", "W_RANK", "L_RANK", "W_PCT_RANK", "MIN_RANK",
    "OFF_RATING_RANK", "DEF_RATING_RANK", "NET_RATING_RANK", "AST_PCT_RANK", "AST_TO_RANK",
    "AST_RATIO_RANK", "OREB_PCT_RANK", "DREB_PCT_RANK", "REB_PCT_RANK", "TM_TOV_PCT_RANK",
    "EFG_PCT_RANK", "TS_PCT_RANK", "PACE_RANK", "PIE_RANK",
)  # fmt: skip

# A sync asks leaguegamelog for players (P) and teams (T) back to back, as nba.com's own pages
# fetch several endpoints at once; beyond that pair the requests keep the per-minute pace
# (NBA_API_REQUESTS_PER_MINUTE). Without it a one-day sync waited 3 s for its second request.
BURST = 2

SeasonType = Literal["Regular Season", "Playoffs", "Pre Season", "PlayIn", "All Star"]
MeasureType = Literal["Base", "Advanced"]

# The dashboards reject a request (HTTP 400/500) unless every filter is present, even empty.
_DASH_FILTERS: dict[str, Any] = {
    "LastNGames": 0,
    "Month": 0,
    "OpponentTeamID": 0,
    "PaceAdjust": "N",
    "Period": 0,
    "PlusMinus": "N",
    "Rank": "N",
    "Conference": "",
    "DateFrom": "",
    "DateTo": "",
    "Division": "",
    "GameScope": "",
    "GameSegment": "",
    "LeagueID": "00",
    "Location": "",
    "Outcome": "",
    "PORound": "",
    "PlayerExperience": "",
    "PlayerPosition": "",
    "SeasonSegment": "",
    "ShotClockRange": "",
    "StarterBench": "",
    "TeamID": "",
    "TwoWay": "",
    "VsConference": "",
    "VsDivision": "",
}


@dataclass(frozen=True)
class MalformedRow:
    """A row the envelope could not hold: its position, raw cells and why."""

    index: int
    raw: Any
    reason: str


@dataclass(frozen=True)
class ResultSet:
    """One named result set as a frame with the upstream's own column names."""

    name: str
    frame: pd.DataFrame
    malformed: list[MalformedRow] = field(default_factory=list)
    payload_ref: PayloadRef | None = None
    expected_headers: tuple[str, ...] = ()
    # A stored earlier answer replayed while the source's breaker is open.
    stale: bool = False

    @property
    def missing_headers(self) -> list[str]:
        """Expected columns the upstream did not send (it renames columns now and then)."""
        return [column for column in self.expected_headers if column not in self.frame.columns]


def nba_date(day: dt.date) -> str:
    """stats.nba.com's date parameter format (MM/DD/YYYY)."""
    return day.strftime("%m/%d/%Y")


def parse_result_set(payload: Any, name: str) -> tuple[pd.DataFrame, list[MalformedRow]]:
    """The named result set of a stats.nba.com payload as (frame, malformed rows).

    Raises UpstreamError with what was wrong (never KeyError/IndexError) when the envelope
    itself is broken: not an object, no result sets, the named set absent, headers not a list.
    """
    if not isinstance(payload, dict):
        raise UpstreamError(f"NBA Stats payload is a {type(payload).__name__}, not an object")
    sets = payload.get("resultSets", payload.get("resultSet"))
    if isinstance(sets, dict):
        sets = [sets]
    if not isinstance(sets, list) or not sets:
        raise UpstreamError(
            "NBA Stats payload has no resultSets",
            details={"keys": sorted(payload)[:10]},
        )
    found = next((s for s in sets if isinstance(s, dict) and s.get("name") == name), None)
    if found is None:
        names = [s.get("name") for s in sets if isinstance(s, dict)]
        raise UpstreamError(
            f"NBA Stats payload has no result set {name!r} (got {names})",
            details={"expected": name, "got": names},
        )
    headers = found.get("headers")
    rows = found.get("rowSet")
    if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
        raise UpstreamError(f"NBA Stats result set {name!r} has no list of header names")
    if not isinstance(rows, list):
        raise UpstreamError(f"NBA Stats result set {name!r} has no rowSet list")
    good: list[list[Any]] = []
    malformed: list[MalformedRow] = []
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            malformed.append(MalformedRow(index, row, "row is not a list"))
        elif len(row) != len(headers):
            malformed.append(
                MalformedRow(index, row, f"row has {len(row)} cells, headers have {len(headers)}")
            )
        else:
            good.append(row)
    frame = pd.DataFrame(good, columns=headers) if good else pd.DataFrame(columns=headers)
    return frame, malformed


class NBAStatsClient:
    """The stats.nba.com operations the project uses; each returns a `ResultSet`."""

    def __init__(self, http: UpstreamJSONClient) -> None:
        self.http = http

    @classmethod
    def from_settings(cls, settings: Settings, **wiring: Unpack[Wiring]) -> NBAStatsClient:
        """A client configured from settings (base URL, pace, retries, raw payload store)."""
        return cls(
            upstream_from_settings(
                settings,
                source=SOURCE,
                base_url=settings.nba_api_base_url,
                requests_per_minute=settings.nba_api_requests_per_minute,
                headers=REQUEST_HEADERS,
                burst=BURST,
                **wiring,
            )
        )

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def _fetch(
        self, endpoint: str, params: dict[str, Any], name: str, expected: tuple[str, ...]
    ) -> ResultSet:
        response = self.http.get_json(endpoint, params)
        frame, malformed = parse_result_set(response.payload, name)
        result = ResultSet(
            name=name,
            frame=frame,
            malformed=malformed,
            payload_ref=response.ref,
            expected_headers=expected,
            stale=response.stale,
        )
        if malformed or result.missing_headers:
            log.warning(
                "nba_stats.unexpected_shape",
                endpoint=endpoint,
                malformed_rows=len(malformed),
                missing_headers=result.missing_headers,
            )
        return result

    def get_league_game_log(
        self,
        *,
        season: str,
        player_or_team: Literal["P", "T"],
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        season_type: SeasonType = "Regular Season",
    ) -> ResultSet:
        """Every player (P) or team (T) box score of a date range: one request per sync."""
        params = {
            "Counter": 0,
            "Direction": "ASC",
            "LeagueID": "00",
            "PlayerOrTeam": player_or_team,
            "Season": season,
            "SeasonType": season_type,
            "Sorter": "DATE",
            "DateFrom": nba_date(date_from) if date_from else "",
            "DateTo": nba_date(date_to) if date_to else "",
        }
        expected = LEAGUE_GAME_LOG_PLAYER if player_or_team == "P" else LEAGUE_GAME_LOG_TEAM
        return self._fetch("leaguegamelog", params, "LeagueGameLog", expected)

    def get_player_game_log(
        self, player_id: int, *, season: str, season_type: SeasonType = "Regular Season"
    ) -> ResultSet:
        """One player's games of one season and season type."""
        params = {
            "PlayerID": player_id,
            "Season": season,
            "SeasonType": season_type,
            "DateFrom": "",
            "DateTo": "",
            "LeagueID": "00",
        }
        return self._fetch("playergamelog", params, "PlayerGameLog", PLAYER_GAME_LOG)

    def get_player_info(self, player_id: int) -> ResultSet:
        """A player's bio and current team; UpstreamNotFound when NBA.com knows no such id."""
        result = self._fetch(
            "commonplayerinfo",
            {"PlayerID": player_id, "LeagueID": ""},
            "CommonPlayerInfo",
            COMMON_PLAYER_INFO,
        )
        if result.frame.empty:
            raise UpstreamNotFound(
                f"NBA Stats has no player {player_id}", details={"player_id": player_id}
            )
        return result

    def get_season_stats(
        self,
        *,
        season: str,
        season_type: SeasonType = "Regular Season",
        per_mode: Literal["PerGame", "Totals", "Per36"] = "PerGame",
    ) -> ResultSet:
        """Every player's season line (leaguedashplayerstats, MeasureType Base)."""
        params = {
            **_DASH_FILTERS,
            "MeasureType": "Base",
            "PerMode": per_mode,
            "Season": season,
            "SeasonType": season_type,
            "College": "",
            "Country": "",
            "DraftPick": "",
            "DraftYear": "",
            "Height": "",
            "Weight": "",
        }
        return self._fetch(
            "leaguedashplayerstats", params, "LeagueDashPlayerStats", LEAGUE_DASH_PLAYER_BASE
        )

    def get_team_stats(
        self,
        *,
        season: str,
        measure_type: MeasureType = "Base",
        season_type: SeasonType = "Regular Season",
        per_mode: Literal["PerGame", "Totals", "Per100Possessions"] = "PerGame",
    ) -> ResultSet:
        """Every team's season line; Advanced carries OFF_RATING, DEF_RATING and PACE."""
        params = {
            **_DASH_FILTERS,
            "MeasureType": measure_type,
            "PerMode": per_mode,
            "Season": season,
            "SeasonType": season_type,
        }
        expected = (
            LEAGUE_DASH_TEAM_ADVANCED if measure_type == "Advanced" else LEAGUE_DASH_TEAM_BASE
        )
        return self._fetch("leaguedashteamstats", params, "LeagueDashTeamStats", expected)

    def get_all_players(self, *, season: str, only_current_season: bool = True) -> ResultSet:
        """Every player NBA.com lists (with current team), for new-player and trade detection."""
        params = {
            "IsOnlyCurrentSeason": int(only_current_season),
            "LeagueID": "00",
            "Season": season,
        }
        return self._fetch("commonallplayers", params, "CommonAllPlayers", COMMON_ALL_PLAYERS)
