"""All-in-one ratings from box scores: PER, Win Shares per 48 and an approximate BPM.

Each is computed per game from the player's line, his team's and opponent's totals and the
league's totals of the season *before* the game's (so a rating never reads its own season's
later games), then summed over the last 10 games as a ratio of sums, like `advanced.efficiency`.
They are approximations of the published statistics, with their sources:

- PER: John Hollinger's unadjusted PER, pace-adjusted and scaled so the league averages 15,
  exactly as in Basketball-Reference's "Calculating PER"
  (https://www.basketball-reference.com/about/per.html).
- WS/48: Basketball-Reference's "Calculating Win Shares"
  (https://www.basketball-reference.com/about/ws.html) with two stand-ins: points and plays
  finished (FGA + 0.44 FTA + TOV) for points produced and offensive possessions, and the
  team's defensive rating for the player's.
- BPM: the box-score regression of Box Plus/Minus 2.0 (Daniel Myers,
  https://www.basketball-reference.com/about/bpm2.html), with the coefficients half way
  between its position-1 and position-5 values, minus the league's value; without BPM's
  team adjustment (a team's BPMs do not sum to its net rating).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.box_score import plays_finished, shooting_possessions
from statmusepicks.core.seasons import previous_seasons
from statmusepicks.features.advanced import Columns, team_box
from statmusepicks.features.inputs import FeatureInputs
from statmusepicks.features.timeline import window_sum

IMPACT_WINDOW = 10
PLAYER_COLUMNS = (
    "pts", "fgm", "fga", "fg3m", "ftm", "fta", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf",
    "min",
)  # fmt: skip
LEAGUE_COLUMNS = (
    "pts", "fgm", "fga", "fg3m", "ftm", "fta", "oreb", "dreb", "ast", "stl", "blk", "tov", "pf",
    "poss", "min",
)  # fmt: skip
# BPM 2.0 raw coefficients per 100 team possessions, mid-way between positions 1 and 5.
BPM_WEIGHTS = {
    "adj_pts": 0.860,
    "fga": -0.670,
    "fta": -0.2945,
    "fg3m": 0.389,
    "ast": 0.807,
    "tov": -0.964,
    "oreb": 0.397,
    "dreb": 0.1485,
    "stl": 1.1885,
    "blk": 1.015,
    "pf": -0.367,
}
# Win Shares: a marginal offence is above 92 % of the league's points per play, a marginal
# defence below 108 % of them; a win costs 0.32 x league points per game x relative pace.
MARGINAL_OFFENCE = 0.92
MARGINAL_DEFENCE = 1.08
POINTS_PER_WIN_SHARE = 0.32
PER_LEAGUE_AVERAGE = 15.0


def _league(inputs: FeatureInputs) -> pd.DataFrame:
    """League totals per season (both teams of every regular-season game)."""
    games = inputs.teams.games
    table = games.groupby("season")[list(LEAGUE_COLUMNS)].sum()
    table["team_games"] = games.groupby("season").size()
    return table


def _league_of_previous(inputs: FeatureInputs) -> Columns:
    """Each history game's league totals of the season before its own (NaN when absent)."""
    league = inputs.memo("league_totals", lambda: _league(inputs))
    wanted = previous_seasons(inputs.history["season"].to_numpy(dtype=object))
    picked = league.reindex(pd.Index(wanted, dtype=object))
    return {column: picked[column].to_numpy(float) for column in picked.columns}


def _per_numerator(player: Columns, team: Columns, lg: Columns) -> np.ndarray:
    """Hollinger's uPER times minutes, pace-adjusted and scaled to a league average of 15."""
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = 2 / 3 - (0.5 * lg["ast"] / lg["fgm"]) / (2 * lg["fgm"] / lg["ftm"])
        vop = lg["pts"] / (lg["fga"] - lg["oreb"] + lg["tov"] + 0.44 * lg["fta"])
        drb_share = lg["dreb"] / (lg["dreb"] + lg["oreb"])

        def unadjusted(box: Columns, assist_rate: np.ndarray) -> np.ndarray:
            return (
                box["fg3m"]
                + (2 / 3) * box["ast"]
                + (2 - factor * assist_rate) * box["fgm"]
                + box["ftm"] * 0.5 * (1 + (1 - assist_rate) + (2 / 3) * assist_rate)
                - vop * box["tov"]
                - vop * drb_share * (box["fga"] - box["fgm"])
                - vop * 0.44 * (0.44 + 0.56 * drb_share) * (box["fta"] - box["ftm"])
                + vop * (1 - drb_share) * box["dreb"]
                + vop * drb_share * box["oreb"]
                + vop * box["stl"]
                + vop * drb_share * box["blk"]
                - box["pf"] * (lg["ftm"] / lg["pf"] - 0.44 * (lg["fta"] / lg["pf"]) * vop)
            )

        league_per_minute = unadjusted(lg, lg["ast"] / lg["fgm"]) / lg["min"]
        team_pace = team["team_poss"] / team["team_min"]
        league_pace = lg["poss"] / lg["min"]
        adjusted = unadjusted(player, team["team_ast"] / team["team_fgm"]) * league_pace / team_pace
        return adjusted * PER_LEAGUE_AVERAGE / league_per_minute


def _win_shares(player: Columns, team: Columns, lg: Columns) -> np.ndarray:
    """Offensive plus defensive win shares of one game (see the module docstring)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        points_per_play = lg["pts"] / lg["poss"]
        relative_pace = (team["team_poss"] / team["team_min"]) / (lg["poss"] / lg["min"])
        points_per_win = POINTS_PER_WIN_SHARE * lg["pts"] / lg["team_games"] * relative_pace
        plays = plays_finished(player["fga"], player["fta"], player["tov"])
        offence = player["pts"] - MARGINAL_OFFENCE * points_per_play * plays
        team_drtg = 100 * team["other_pts"] / team["team_poss"]
        share = player["min"] / team["team_min"]
        stops = MARGINAL_DEFENCE * points_per_play - team_drtg / 100
        defence = share * team["team_poss"] * stops
        return (offence + defence) / points_per_win


def _bpm_raw(box: Columns, true_shooting: np.ndarray) -> np.ndarray:
    """BPM 2.0's weighted box score (points re-based on the league's true shooting)."""
    attempts = shooting_possessions(box["fga"], box["fta"])
    values = dict(box)
    values["adj_pts"] = box["pts"] + (1 - 2 * true_shooting) * attempts
    return sum(weight * values[name] for name, weight in BPM_WEIGHTS.items())  # type: ignore[return-value]


def _bpm_numerator(player: Columns, team: Columns, lg: Columns) -> np.ndarray:
    """Per-100 raw BPM above the league's, times minutes (a minutes-weighted average)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        league_ts = lg["pts"] / (2 * shooting_possessions(lg["fga"], lg["fta"]))
        # Five players share the floor: the league's line per 100 possessions, per player.
        league_raw = 100 * _bpm_raw(lg, league_ts) / lg["poss"] / 5
        on_court = team["team_poss"] * player["min"] / (team["team_min"] / 5)
        raw = 100 * _bpm_raw(player, league_ts) / on_court
        return np.where(player["min"] > 0, (raw - league_raw) * player["min"], np.nan)


def impact_ratings(inputs: FeatureInputs) -> pd.DataFrame:
    """PER, Win Shares per 48 minutes and approximate BPM over the last 10 games."""
    history = inputs.history
    player: Columns = {column: history[column].to_numpy(float) for column in PLAYER_COLUMNS}
    team = inputs.memo("team_box", lambda: team_box(inputs.history, inputs.teams))
    lg = _league_of_previous(inputs)
    minutes = player["min"]
    parts = {
        "per": _per_numerator(player, team, lg),
        "ws48": 48 * _win_shares(player, team, lg),
        "bpm": _bpm_numerator(player, team, lg),
    }
    columns = {}
    for name, numerator in parts.items():
        usable = ~np.isnan(numerator)
        top = inputs.players.lags(
            np.where(usable, numerator, np.nan), inputs.previous, IMPACT_WINDOW
        )
        bottom = inputs.players.lags(
            np.where(usable, minutes, np.nan), inputs.previous, IMPACT_WINDOW
        )
        total, played = window_sum(top), window_sum(bottom)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[f"f_{name}_l10"] = np.where(played > 0, total / played, np.nan)
    return pd.DataFrame(columns)
