"""The prepared inputs every feature function reads: targets, histories and their timelines.

`prepare_inputs` validates the two log tables at the boundary, keeps regular-season games only
(the bundled player logs hold nothing else; team logs also hold playoffs and preseason, whose
rotations and pace differ), and indexes each target's last game strictly before its date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from statmusepicks.core.box_score import BOX_SCORE_COLUMNS, possessions
from statmusepicks.core.errors import ValidationError
from statmusepicks.core.seasons import season_of_days, season_start_years
from statmusepicks.core.stats import STATS
from statmusepicks.features.arenas import team_codes
from statmusepicks.features.timeline import Timeline, day_numbers

REGULAR_SEASON = "Regular Season"
# Box-score columns modelled directly (also the outcome columns of the frame).
BASE_COLUMNS: tuple[str, ...] = ("pts", "reb", "ast", "fg3m", "stl", "blk", "tov", "min")
# Combos whose summed column gets the full rolling treatment (their spread is not the sum of
# the parts' spreads). Names are the core.stats keys.
COMBO_COLUMNS: tuple[str, ...] = ("pra", "pr", "pa", "ra")
ROLLING_COLUMNS: tuple[str, ...] = BASE_COLUMNS + COMBO_COLUMNS
KEY_COLUMNS: tuple[str, ...] = (
    "player_id",
    "player_name",
    "game_id",
    "game_date",
    "season",
    "team",
    "opp",
    "is_home",
)
PLAYER_LOG_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "min", *BOX_SCORE_COLUMNS)
TEAM_LOG_COLUMNS: tuple[str, ...] = (
    "game_id",
    "game_date",
    "season",
    "team",
    "opp",
    "min",
    "pts",
    "fgm",
    "fga",
    "fg3m",
    "fta",
    "ftm",
    "oreb",
    "dreb",
    "reb",
    "ast",
    "stl",
    "blk",
    "tov",
    "pf",
    "opp_pts",
    "opp_fgm",
    "opp_fga",
    "opp_fg3m",
    "opp_fta",
    "opp_ftm",
    "opp_oreb",
    "opp_dreb",
    "opp_reb",
    "opp_ast",
    "opp_stl",
    "opp_blk",
    "opp_tov",
    "opp_pf",
)
TARGET_COLUMNS: tuple[str, ...] = ("player_id", "game_date", "team", "opp", "is_home")

T = TypeVar("T")


def stat_column(stat_key: str) -> str | None:
    """The frame column holding a core.stats stat (None for stats the frame does not roll)."""
    spec = STATS[stat_key]
    if not spec.is_combo:
        return spec.columns[0]
    return spec.key if spec.key in COMBO_COLUMNS else None


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValidationError(f"{what} lack columns {missing}", details={"missing": missing})


def _regular_season(frame: pd.DataFrame) -> pd.DataFrame:
    if "season_type" in frame.columns:
        return frame[frame["season_type"] == REGULAR_SEASON]
    return frame


@dataclass
class FeatureInputs:
    """Everything a feature function may read. Row i of every result belongs to target i."""

    targets: pd.DataFrame
    history: pd.DataFrame
    players: Timeline
    previous: np.ndarray
    teams: TeamGames
    rosters: pd.DataFrame
    absences: pd.DataFrame | None
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.targets)

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        """Share an intermediate (opponent ranks, a lag matrix) between feature functions."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]  # type: ignore[no-any-return]

    def player_lags(self, column: str, depth: int) -> np.ndarray:
        """The target player's last `depth` values of `column` before the target (newest first)."""
        return self.memo(
            f"lags:{column}:{depth}",
            lambda: self.players.lags(self.history[column].to_numpy(float), self.previous, depth),
        )


_TEXT_COLUMNS = ("player_name", "game_id", "game_date", "season", "team", "opp")
_NUMERIC_COLUMNS = (
    *BASE_COLUMNS,
    *(column for column in BOX_SCORE_COLUMNS if column not in BASE_COLUMNS),
)


def _prepare_player_logs(player_logs: pd.DataFrame) -> pd.DataFrame:
    """Regular-season logs sorted by (player_id, day), one row per player and day, with combos."""
    _require(player_logs, PLAYER_LOG_COLUMNS, "player logs")
    source = _regular_season(player_logs)
    day = day_numbers(source["game_date"])
    player = source["player_id"].to_numpy(np.int64)
    order = np.lexsort((day, player))
    sorted_player, sorted_day = player[order], day[order]
    last_of_day = np.r_[
        (sorted_player[1:] != sorted_player[:-1]) | (sorted_day[1:] != sorted_day[:-1]), True
    ]
    order = order[last_of_day] if len(order) else order
    data: dict[str, np.ndarray] = {"player_id": player[order], "day": day[order]}
    for column in _TEXT_COLUMNS:
        data[column] = source[column].to_numpy(dtype=object)[order]
    data["is_home"] = source["is_home"].to_numpy(dtype=bool)[order]
    numeric = source[list(_NUMERIC_COLUMNS)].to_numpy(dtype=float)[order]
    for index, column in enumerate(_NUMERIC_COLUMNS):
        data[column] = numeric[:, index]
    for combo in COMBO_COLUMNS:
        data[combo] = np.sum([data[part] * weight for part, weight in STATS[combo].weights], axis=0)
    data["team_code"] = team_codes(data["team"])
    data["opp_code"] = team_codes(data["opp"])
    data["venue_code"] = np.where(data["is_home"], data["team_code"], data["opp_code"])
    return pd.DataFrame(data)


@dataclass
class TeamGames:
    """Regular-season team games indexed once: serving reuses one instance across requests.

    `ranks` caches the league's defensive ranks by day (they depend on team games only).
    """

    games: pd.DataFrame
    timeline: Timeline
    running: pd.DataFrame
    team_seasons: pd.DataFrame
    league_seasons: pd.DataFrame
    seasons: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    ranks: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _team_lookup: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)
    _league_lookup: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Built eagerly: serving threads share one instance, and a lookup filled lazily by
        # whichever request arrives first is read half-built by the next one.
        index = self.team_seasons.index
        team_keys = season_start_years(index.get_level_values(1)) * 64 + index.get_level_values(0)
        self._team_lookup = _sorted(
            np.asarray(team_keys, np.int64), self.team_seasons[["drtg", "pace"]]
        )
        self._league_lookup = _sorted(
            season_start_years(self.league_seasons.index), self.league_seasons[["drtg", "pace"]]
        )

    def season_ratings(
        self, team_code: np.ndarray, seasons: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Full-season (drtg, pace) of each team and of the league (NaN when not played)."""
        years = season_start_years(seasons)
        team = _lookup(*self._team_lookup, years * 64 + np.asarray(team_code, np.int64))
        league = _lookup(*self._league_lookup, years)
        return team, league


def _sorted(keys: np.ndarray, values: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], values.to_numpy(float)[order]


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Rows of `values` whose sorted `keys` equal `wanted` (NaN rows where absent)."""
    if not len(keys):
        return np.full((len(wanted), values.shape[1]), np.nan)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found = keys[at] == wanted
    return np.where(found[:, None], values[at], np.nan)


def prepare_team_logs(team_logs: pd.DataFrame) -> TeamGames:
    """Validate team logs, add estimated possessions and season-to-date running sums."""
    _require(team_logs, TEAM_LOG_COLUMNS, "team logs")
    games = _regular_season(team_logs).copy()
    games["day"] = day_numbers(games["game_date"])
    own = possessions(games["fga"], games["oreb"], games["tov"], games["fta"])
    other = possessions(games["opp_fga"], games["opp_oreb"], games["opp_tov"], games["opp_fta"])
    # Both teams get the same number of possessions; the mean of the two estimates is steadier.
    games["poss"] = (own + other) / 2
    games["team_code"] = team_codes(games["team"].to_numpy())
    games = games.drop_duplicates(["team_code", "day"], keep="last")
    games = games.sort_values(["team_code", "day"], kind="mergesort").reset_index(drop=True)
    keys = [games["team_code"], games["season"]]
    sums = ["opp_pts", "poss", "min"]
    running = games[sums].groupby(keys, sort=False).cumsum()
    running["games"] = games.groupby(keys, sort=False).cumcount() + 1
    team_seasons = games.groupby(["team_code", "season"])[sums].sum()
    league_seasons = games.groupby("season")[sums].sum()
    for table in (team_seasons, league_seasons):
        table["drtg"] = 100 * table["opp_pts"] / table["poss"]
        table["pace"] = 48 * table["poss"] / (table["min"] / 5)
    return TeamGames(
        games=games,
        timeline=Timeline.from_sorted(games["team_code"].to_numpy(), games["day"].to_numpy()),
        running=running,
        team_seasons=team_seasons,
        league_seasons=league_seasons,
        seasons=games["season"].to_numpy(dtype=object),
    )


def _prepare_targets(targets: pd.DataFrame | None, logs: pd.DataFrame) -> pd.DataFrame:
    """Targets with day and season; logged games get their game id, name and outcomes."""
    logged_columns = ["game_id", "player_name", "season", *BASE_COLUMNS]
    if targets is None:
        frame = logs.sort_values(["day", "player_id"], kind="mergesort")
        columns = ["player_id", "day", "team", "opp", "is_home", *logged_columns]
        return frame[columns].reset_index(drop=True)
    _require(targets, TARGET_COLUMNS, "targets")
    frame = targets.reset_index(drop=True)
    data: dict[str, Any] = {
        column: frame[column].to_numpy() for column in frame.columns if column != "game_date"
    }
    data["player_id"] = frame["player_id"].to_numpy(np.int64)
    data["day"] = day_numbers(frame["game_date"])
    data["is_home"] = frame["is_home"].to_numpy(bool)
    timeline = Timeline.from_sorted(logs["player_id"].to_numpy(), logs["day"].to_numpy())
    row = timeline.locate(data["player_id"], data["day"])
    found = row >= 0
    at = np.maximum(row, 0)
    for column in logged_columns:
        values = logs[column].to_numpy(dtype=object if column in _TEXT_COLUMNS else float)
        picked = values[at] if len(values) else np.full(len(row), None, dtype=object)
        missing: Any = None if column in _TEXT_COLUMNS else np.nan
        data[column] = np.where(found, picked, missing)
    given = frame["season"].to_numpy(dtype=object) if "season" in frame.columns else None
    derived = season_of_days(data["day"])
    season = data["season"]
    for index in np.flatnonzero(~found):
        season[index] = (
            given[index] if given is not None and pd.notna(given[index]) else derived[index]
        )
    last_row = timeline.last(data["player_id"])
    names = logs["player_name"].to_numpy(dtype=object)
    latest = timeline.label(names, last_row) if len(names) else np.full(len(row), None)
    data["player_name"] = np.where(found, data["player_name"], latest)
    return pd.DataFrame(data)


def _team_season_key(frame: pd.DataFrame) -> np.ndarray:
    years = season_start_years(frame["season"].to_numpy(dtype=object))
    return years * 64 + frame["team_code"].to_numpy(np.int64)


def prepare_inputs(
    player_logs: pd.DataFrame,
    team_logs: pd.DataFrame | TeamGames,
    targets: pd.DataFrame | None = None,
    absences: pd.DataFrame | None = None,
) -> FeatureInputs:
    """Validate and index the logs for `targets` (every logged player-game when None)."""
    logs = _prepare_player_logs(player_logs)
    frame = _prepare_targets(targets, logs)
    frame["team_code"] = team_codes(frame["team"].to_numpy())
    frame["opp_code"] = team_codes(frame["opp"].to_numpy())
    target_players = frame["player_id"].unique()
    history = logs if targets is None else logs[logs["player_id"].isin(target_players)]
    history = history.reset_index(drop=True)
    players = Timeline.from_sorted(history["player_id"].to_numpy(), history["day"].to_numpy())
    previous = players.previous(frame["player_id"].to_numpy(), frame["day"].to_numpy())
    teams = team_logs if isinstance(team_logs, TeamGames) else prepare_team_logs(team_logs)
    rosters = logs[np.isin(_team_season_key(logs), _team_season_key(frame))]
    if absences is not None:
        _require(absences, ("player_id", "team", "game_date"), "absences")
        absences = absences.assign(day=day_numbers(absences["game_date"]))
    return FeatureInputs(
        targets=frame,
        history=history,
        players=players,
        previous=previous,
        teams=teams,
        rosters=rosters,
        absences=absences,
    )
