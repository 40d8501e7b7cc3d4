"""Efficiency and usage from box scores (with team totals), and rotation teammates missing.

Rates over the last 10 games are ratios of sums (a 2-for-2 night does not weigh like 12-for-24).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.features.arenas import team_codes
from statmusepicks.features.inputs import FeatureInputs
from statmusepicks.features.timeline import Timeline, window_sum

EFFICIENCY_WINDOW = 10
# A teammate is in the regular rotation when, in the team's last 15 games of the same season,
# he played at least 3 and averaged at least 20 minutes in those he played.
ROTATION_WINDOW = 15
ROTATION_MIN_GAMES = 3
ROTATION_MIN_MINUTES = 20.0
_PLAYER_BITS = 21
_TEAM_TOTALS = (
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
    "min",
    "poss",
)


def _pie_events(box: pd.DataFrame | dict[str, np.ndarray], prefix: str = "") -> pd.Series:
    """NBA.com PIE numerator: the player's (or a team's) positive minus negative box events."""

    def col(name: str) -> pd.Series:
        return pd.Series(np.asarray(box[f"{prefix}{name}"], float))

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


def _per_game_parts(inputs: FeatureInputs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Numerator and denominator of each rate for every game in the player history."""
    history, teams = inputs.history, inputs.teams
    row = teams.timeline.locate(history["team_code"].to_numpy(), history["day"].to_numpy())
    found = row >= 0
    box: dict[str, np.ndarray] = {}
    opp_columns = ("pts", "fgm", "fga", "fta", "ftm", "oreb", "dreb", "ast", "stl", "blk", "tov")
    for name, column in [(f"team_{c}", c) for c in _TEAM_TOTALS] + [
        (f"other_{c}", f"opp_{c}") for c in (*opp_columns, "pf")
    ]:
        values = teams.games[column].to_numpy(float)
        box[name] = np.where(found, values[np.maximum(row, 0)], np.nan) if len(values) else row * np.nan
    plays = history["fga"] + 0.44 * history["fta"] + history["tov"]
    team_plays = box["team_fga"] + 0.44 * box["team_fta"] + box["team_tov"]
    game_events = _pie_events(box, "team_") + _pie_events(box, "other_")
    game_score = (
        history["pts"]
        + 0.4 * history["fgm"]
        - 0.7 * history["fga"]
        - 0.4 * (history["fta"] - history["ftm"])
        + 0.7 * history["oreb"]
        + 0.3 * history["dreb"]
        + history["stl"]
        + 0.7 * history["ast"]
        + 0.7 * history["blk"]
        - 0.4 * history["pf"]
        - history["tov"]
    )
    team_drtg = 100 * box["other_pts"] / box["team_poss"]
    ones = np.ones(len(history))

    def arrays(numerator: pd.Series, denominator: pd.Series | np.ndarray) -> tuple:
        return np.asarray(numerator, float), np.asarray(denominator, float)

    return {
        "ts_pct": arrays(history["pts"], 2 * (history["fga"] + 0.44 * history["fta"])),
        "efg_pct": arrays(history["fgm"] + 0.5 * history["fg3m"], history["fga"]),
        # USG% = 100 * plays * (team minutes / 5) / (minutes * team plays), Basketball-Reference.
        "usg_pct": arrays(100 * plays * box["team_min"] / 5, history["min"] * team_plays),
        "game_score": arrays(game_score, ones),
        "pie": arrays(_pie_events(history), game_events),
        # Points per 100 plays the player finished (FGA + 0.44 FTA + TOV).
        "ortg": arrays(100 * history["pts"], plays),
        # The team's points allowed per 100 possessions, weighted by the player's minutes.
        "drtg": arrays(history["min"] * team_drtg, history["min"]),
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


def _slot(year: np.ndarray, team_code: np.ndarray, number: np.ndarray) -> np.ndarray:
    """One integer per (season, team, team-game number within the season)."""
    return (year.astype(np.int64) * 64 + team_code) * 256 + number.astype(np.int64)


def teammates_out(inputs: FeatureInputs) -> pd.DataFrame:
    """Rotation teammates missing from the game: how many, their minutes and plays per game.

    For a logged game the absentees are rotation players without a box score line; for an
    upcoming game they are the rotation players listed in `absences` (the injuries table).
    """
    targets = inputs.targets
    empty = pd.DataFrame(
        np.zeros((len(targets), 3)),
        columns=["f_teammates_out", "f_teammates_out_min", "f_teammates_out_plays"],
    )
    rosters = inputs.rosters
    if rosters.empty or targets.empty:
        return empty
    rosters = rosters.sort_values(["team", "season", "day", "player_id"], kind="mergesort")
    team_days = rosters[["team", "season", "day"]].drop_duplicates().reset_index(drop=True)
    team_days["number"] = team_days.groupby(["team", "season"], sort=False).cumcount() + 1
    rosters = rosters.merge(team_days, on=["team", "season", "day"], how="left")
    year = rosters["season"].str.slice(0, 4).astype(int).to_numpy()
    code = team_codes(rosters["team"].to_numpy())
    number = rosters["number"].to_numpy()
    player = rosters["player_id"].to_numpy(np.int64)
    played_keys = (_slot(year, code, number) << _PLAYER_BITS) + player

    # Slot of each target: its logged team game, or the next one for an upcoming game.
    target_year = targets["season"].str.slice(0, 4).astype(int).to_numpy()
    located = targets[["team", "season", "day"]].merge(
        team_days, on=["team", "season", "day"], how="left"
    )
    logged = located["number"].notna().to_numpy()
    days_year = team_days["season"].str.slice(0, 4).astype(int).to_numpy()
    days_entity = days_year * 64 + team_codes(team_days["team"].to_numpy())
    order = np.lexsort((team_days["day"].to_numpy(), days_entity))
    calendar = Timeline.from_sorted(days_entity[order], team_days["day"].to_numpy()[order])
    target_entity = target_year * 64 + targets["team_code"].to_numpy()
    upcoming_number = calendar.count_before(target_entity, targets["day"].to_numpy()) + 1
    target_number = np.where(logged, located["number"].fillna(0).to_numpy(), upcoming_number)
    target_slot = _slot(target_year, targets["team_code"].to_numpy(), target_number)

    # Each appearance counts toward the rotation of the team's next ROTATION_WINDOW games.
    ahead = np.arange(1, ROTATION_WINDOW + 1)
    source = np.repeat(np.arange(len(rosters)), ROTATION_WINDOW)
    window_slot = _slot(year[source], code[source], number[source] + np.tile(ahead, len(rosters)))
    needed = np.isin(window_slot, np.unique(target_slot))
    source, window_slot = source[needed], window_slot[needed]
    plays = (rosters["fga"] + 0.44 * rosters["fta"] + rosters["tov"]).to_numpy(float)
    appearances = pd.DataFrame(
        {
            "slot": window_slot,
            "player_id": player[source],
            "min": rosters["min"].to_numpy(float)[source],
            "plays": plays[source],
        }
    )
    rotation = appearances.groupby(["slot", "player_id"], sort=True).agg(
        games=("min", "size"), min=("min", "mean"), plays=("plays", "mean")
    )
    rotation = rotation[
        (rotation["games"] >= ROTATION_MIN_GAMES) & (rotation["min"] >= ROTATION_MIN_MINUTES)
    ].reset_index()
    rotation_keys = (rotation["slot"].to_numpy() << _PLAYER_BITS) + rotation["player_id"].to_numpy()
    missing = rotation[~np.isin(rotation_keys, played_keys)]
    by_slot = missing.groupby("slot").agg(
        out=("player_id", "size"), min=("min", "sum"), plays=("plays", "sum")
    )
    result = by_slot.reindex(target_slot).fillna(0.0).to_numpy(float)
    result[~logged] = _listed_absent(inputs, rotation, target_slot, ~logged)
    return pd.DataFrame(result, columns=empty.columns)


def _listed_absent(
    inputs: FeatureInputs, rotation: pd.DataFrame, target_slot: np.ndarray, upcoming: np.ndarray
) -> np.ndarray:
    """For upcoming games: rotation players that `absences` lists for that team and day."""
    rows = np.flatnonzero(upcoming)
    out = np.zeros((len(rows), 3))
    if inputs.absences is None or not len(rows):
        return out
    absences = inputs.absences
    targets = inputs.targets
    for position, row in enumerate(rows):
        listed = absences.loc[
            (absences["team"] == targets.at[row, "team"])
            & (absences["day"] == targets.at[row, "day"])
            & (absences["player_id"] != targets.at[row, "player_id"]),
            "player_id",
        ]
        out_now = rotation[(rotation["slot"] == target_slot[row]) & rotation["player_id"].isin(listed)]
        out[position] = (len(out_now), out_now["min"].sum(), out_now["plays"].sum())
    return out
