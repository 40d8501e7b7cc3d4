"""Efficiency and usage from box scores (with team totals), and rotation teammates missing.

Rates over the last 10 games are ratios of sums (a 2-for-2 night does not weigh like 12-for-24).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.box_score import plays_finished, shooting_possessions
from statmusepicks.core.seasons import season_start_years
from statmusepicks.features.inputs import FeatureInputs, TeamGames
from statmusepicks.features.timeline import Timeline, window_sum

EFFICIENCY_WINDOW = 10
# A teammate is in the regular rotation when, in the team's last 15 games of the same season,
# he played at least 3 and averaged at least 20 minutes in those he played.
ROTATION_WINDOW = 15
ROTATION_MIN_GAMES = 3
ROTATION_MIN_MINUTES = 20.0
_PLAYER_BITS = 21
_OPPONENT_TOTALS = (
    "pts",
    "fgm",
    "fga",
    "fta",
    "ftm",
    "oreb",
    "dreb",
    "ast",
    "stl",
    "blk",
    "tov",
    "pf",
)
_TEAM_TOTALS = (*_OPPONENT_TOTALS, "min", "poss")


Columns = dict[str, np.ndarray]


def _pie_events(box: Columns, prefix: str = "") -> np.ndarray:
    """NBA.com PIE numerator: the player's (or a team's) positive minus negative box events."""

    def col(name: str) -> np.ndarray:
        return box[f"{prefix}{name}"]

    return (
        col("pts")
        + col("fgm")
        + col("ftm")
        - col("fga")
        - col("fta")
        + col("dreb")
        + 0.5 * col("oreb")
        + col("ast")
        + col("stl")
        + 0.5 * col("blk")
        - col("pf")
        - col("tov")
    )


def team_box(history: pd.DataFrame, teams: TeamGames) -> Columns:
    """Team and opponent totals of each history game (NaN where the team game is missing)."""
    row = teams.timeline.locate(history["team_code"].to_numpy(), history["day"].to_numpy())
    found = row >= 0
    box: Columns = {}
    pairs = [(f"team_{c}", c) for c in _TEAM_TOTALS]
    pairs += [(f"other_{c}", f"opp_{c}") for c in _OPPONENT_TOTALS]
    for name, column in pairs:
        values = teams.games[column].to_numpy(float)
        picked = values[np.maximum(row, 0)] if len(values) else np.zeros(len(row))
        box[name] = np.where(found, picked, np.nan)
    return box


def _per_game_parts(inputs: FeatureInputs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Numerator and denominator of each rate for every game in the player history."""
    player: Columns = {
        column: inputs.history[column].to_numpy(float)
        for column in (*_OPPONENT_TOTALS, "fg3m", "min")
    }
    box = inputs.memo("team_box", lambda: team_box(inputs.history, inputs.teams))
    plays = plays_finished(player["fga"], player["fta"], player["tov"])
    team_plays = plays_finished(box["team_fga"], box["team_fta"], box["team_tov"])
    game_score = (
        player["pts"]
        + 0.4 * player["fgm"]
        - 0.7 * player["fga"]
        - 0.4 * (player["fta"] - player["ftm"])
        + 0.7 * player["oreb"]
        + 0.3 * player["dreb"]
        + player["stl"]
        + 0.7 * player["ast"]
        + 0.7 * player["blk"]
        - 0.4 * player["pf"]
        - player["tov"]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        team_drtg = 100 * box["other_pts"] / box["team_poss"]
    return {
        "ts_pct": (player["pts"], 2 * shooting_possessions(player["fga"], player["fta"])),
        "efg_pct": (player["fgm"] + 0.5 * player["fg3m"], player["fga"]),
        # USG% = 100 * plays * (team minutes / 5) / (minutes * team plays), Basketball-Reference.
        "usg_pct": (100 * plays * box["team_min"] / 5, player["min"] * team_plays),
        "game_score": (game_score, np.ones(len(game_score))),
        "pie": (_pie_events(player), _pie_events(box, "team_") + _pie_events(box, "other_")),
        # Points per 100 plays the player finished (FGA + 0.44 FTA + TOV).
        "ortg": (100 * player["pts"], plays),
        # The team's points allowed per 100 possessions, weighted by the player's minutes.
        "drtg": (player["min"] * team_drtg, player["min"]),
    }


def efficiency(inputs: FeatureInputs) -> pd.DataFrame:
    """TS%, eFG%, USG%, game score, PIE and estimated offensive/defensive rating, last 10 games."""
    columns = {}
    for name, (numerator, denominator) in _per_game_parts(inputs).items():
        usable = ~(np.isnan(numerator) | np.isnan(denominator))
        numerator = np.where(usable, numerator, np.nan)
        denominator = np.where(usable, denominator, np.nan)
        top = window_sum(inputs.players.lags(numerator, inputs.previous, EFFICIENCY_WINDOW))
        bottom = window_sum(inputs.players.lags(denominator, inputs.previous, EFFICIENCY_WINDOW))
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[f"f_{name}_l10"] = np.where(bottom > 0, top / bottom, np.nan)
    return pd.DataFrame(columns)


def _slot(entity: np.ndarray, number: np.ndarray) -> np.ndarray:
    """One integer per (season and team, team-game number within that season)."""
    return entity.astype(np.int64) * 256 + number.astype(np.int64)


def _team_season(seasons: pd.Series, teams: np.ndarray) -> np.ndarray:
    return season_start_years(seasons.to_numpy(dtype=object)) * 64 + teams


def teammates_out(inputs: FeatureInputs) -> pd.DataFrame:
    """Rotation teammates missing from the game: how many, their minutes and plays per game.

    For a logged game the absentees are rotation players without a box score line; for an
    upcoming game they are the rotation players listed in `absences` (the injuries table).
    Computed once per inputs (the minutes projection reads it too).
    """
    return inputs.memo("teammates_out", lambda: _teammates_out(inputs)).copy()


def _teammates_out(inputs: FeatureInputs) -> pd.DataFrame:
    targets, rosters = inputs.targets, inputs.rosters
    names = ["f_teammates_out", "f_teammates_out_min", "f_teammates_out_plays"]
    if rosters.empty or targets.empty:
        return pd.DataFrame(np.zeros((len(targets), 3)), columns=names)
    entity = _team_season(rosters["season"], rosters["team_code"].to_numpy())
    day = rosters["day"].to_numpy(np.int64)
    player = rosters["player_id"].to_numpy(np.int64)
    order = np.lexsort((player, day, entity))
    entity, day, player = entity[order], day[order], player[order]
    minutes = rosters["min"].to_numpy(float)[order]
    plays = plays_finished(rosters["fga"], rosters["fta"], rosters["tov"]).to_numpy(float)[order]

    # Number each team's games within the season; a target gets its game's number, or the next
    # number when the game is not logged yet.
    new_game = np.r_[True, (entity[1:] != entity[:-1]) | (day[1:] != day[:-1])]
    calendar = Timeline.from_sorted(entity[new_game], day[new_game])
    number = calendar.position[np.cumsum(new_game) - 1] + 1
    played_keys = (_slot(entity, number) << _PLAYER_BITS) + player
    target_entity = _team_season(targets["season"], targets["team_code"].to_numpy())
    target_day = targets["day"].to_numpy(np.int64)
    located = calendar.locate(target_entity, target_day)
    logged = located >= 0
    target_number = np.where(
        logged,
        calendar.position[np.maximum(located, 0)] + 1,
        calendar.count_before(target_entity, target_day) + 1,
    )
    target_slot = _slot(target_entity, target_number)

    # Each appearance counts toward the rotation of the team's next ROTATION_WINDOW games.
    source = np.repeat(np.arange(len(entity)), ROTATION_WINDOW)
    ahead = np.tile(np.arange(1, ROTATION_WINDOW + 1), len(entity))
    window_slot = _slot(entity[source], number[source] + ahead)
    needed = np.isin(window_slot, target_slot)
    source, window_slot = source[needed], window_slot[needed]
    keys, inverse = np.unique((window_slot << _PLAYER_BITS) + player[source], return_inverse=True)
    games = np.bincount(inverse, minlength=len(keys))
    mean_min = np.bincount(inverse, minutes[source], len(keys)) / games
    mean_plays = np.bincount(inverse, plays[source], len(keys)) / games
    rotation = (games >= ROTATION_MIN_GAMES) & (mean_min >= ROTATION_MIN_MINUTES)
    rotation_slot = keys >> _PLAYER_BITS
    rotation_player = keys - (rotation_slot << _PLAYER_BITS)

    result = np.zeros((len(targets), 3))
    absent = rotation & ~np.isin(keys, played_keys)
    slots, where = np.unique(rotation_slot[absent], return_inverse=True)
    totals = np.column_stack(
        [
            np.bincount(where, minlength=len(slots)).astype(float),
            np.bincount(where, mean_min[absent], len(slots)),
            np.bincount(where, mean_plays[absent], len(slots)),
        ]
    )
    if len(slots):
        at = np.minimum(np.searchsorted(slots, target_slot), len(slots) - 1)
        hit = logged & (slots[at] == target_slot)
        result[hit] = totals[at[hit]]
    if inputs.absences is not None:
        upcoming = np.flatnonzero(~logged)
        listed = inputs.absences
        for row in upcoming:
            out = listed.loc[
                (listed["team"] == targets.at[row, "team"])
                & (listed["day"] == target_day[row])
                & (listed["player_id"] != targets.at[row, "player_id"]),
                "player_id",
            ].to_numpy(np.int64)
            chosen = rotation & (rotation_slot == target_slot[row]) & np.isin(rotation_player, out)
            result[row] = (chosen.sum(), mean_min[chosen].sum(), mean_plays[chosen].sum())
    return pd.DataFrame(result, columns=names)
