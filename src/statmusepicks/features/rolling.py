"""Recent form, season averages, per-36 rates and hit rates of the player's own box scores.

Every window counts the player's regular-season games strictly before the target date, across
season boundaries (the last 10 games in early November include last April's). Season-to-date
numbers reset each season; the previous season is the season immediately before the target's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.seasons import previous_seasons, season_start_days
from statmusepicks.core.stats import resolve_stat
from statmusepicks.features.inputs import ROLLING_COLUMNS, FeatureInputs, stat_column
from statmusepicks.features.timeline import (
    window_count,
    window_max,
    window_mean,
    window_median,
    window_min,
    window_slope,
    window_std,
    window_sum,
    window_weighted_mean,
)

EMA_ALPHA = 0.3
# The EMA is truncated at 20 games: the 21st game back would carry 0.7**20 = 0.08 % of the weight.
FORM_DEPTH = 20
EMA_WEIGHTS = (1 - EMA_ALPHA) ** np.arange(FORM_DEPTH)
# Linearly weighted average over 10 games: the latest game weighs 10, the tenth back weighs 1.
WMA_WEIGHTS = np.arange(10, 0, -1, dtype=float)
HIT_RATE_WINDOWS = (5, 10, 20)
# Upper bound on rows reduced in one pass (memory: rows x FORM_DEPTH floats).
STACK_ROWS = 262_144
PER36_COLUMNS = tuple(column for column in ROLLING_COLUMNS if column != "min")


def form_summary(lags: np.ndarray) -> dict[str, np.ndarray]:
    """Window statistics of a lag matrix (newest game first), as used by features and context."""
    last10 = lags[:, :10]
    sma3, sma10 = window_mean(lags[:, :3]), window_mean(last10)
    return {
        "sma3": sma3,
        "sma5": window_mean(lags[:, :5]),
        "sma10": sma10,
        "ema": window_weighted_mean(lags, EMA_WEIGHTS),
        "wma10": window_weighted_mean(last10, WMA_WEIGHTS),
        "std10": window_std(last10),
        "min10": window_min(last10),
        "max10": window_max(last10),
        "med10": window_median(last10),
        "slope10": window_slope(last10),
        "momentum": sma3 - sma10,
    }


def hit_rates(lags: np.ndarray, line: np.ndarray) -> dict[str, np.ndarray]:
    """Share of the last 5/10/20 games strictly over `line` (NaN without games or line)."""
    rates = {}
    for window in HIT_RATE_WINDOWS:
        recent = lags[:, :window]
        over = np.where(np.isnan(recent), np.nan, (recent > line[:, None]).astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = window_sum(over) / window_count(recent)
        rates[f"l{window}"] = np.where(np.isnan(line), np.nan, rate)
    return rates


def recent_form(inputs: FeatureInputs) -> pd.DataFrame:
    """SMA 3/5/10, EMA 0.3, WMA 10, std/min/max/median/slope over 10 and momentum, per stat."""
    rows = len(inputs)
    # Stats are stacked so that a few targets (serving) pay numpy's per-call cost once, not 12
    # times; rows are reduced independently, so stacking changes no bit.
    per_pass = max(1, STACK_ROWS // max(rows, 1))
    stats = list(ROLLING_COLUMNS)
    columns: dict[str, np.ndarray] = {}
    for first in range(0, len(stats), per_pass):
        group = stats[first : first + per_pass]
        stacked = np.vstack([inputs.player_lags(column, FORM_DEPTH) for column in group])
        summary = form_summary(np.asfortranarray(stacked))
        for index, column in enumerate(group):
            part = slice(index * rows, (index + 1) * rows)
            columns.update({f"f_{column}_{name}": values[part] for name, values in summary.items()})
    return pd.DataFrame(columns)


def season_averages(inputs: FeatureInputs) -> pd.DataFrame:
    """Season-to-date average and games played, and the previous season's average, per stat."""
    history, targets, players = inputs.history, inputs.targets, inputs.players
    keys = [history["player_id"], history["season"]]
    running = history[list(ROLLING_COLUMNS)].groupby(keys, sort=False).cumsum()
    games = history.groupby(keys, sort=False).cumcount().to_numpy(float) + 1
    seasons = history["season"].to_numpy()
    player = targets["player_id"].to_numpy()
    # The player's last game before this season opened closes his previous season.
    last_of_previous = players.previous(player, season_start_days(targets["season"]))
    columns: dict[str, np.ndarray] = {}
    for name, previous, season in (
        ("season", inputs.previous, targets["season"]),
        ("prev_season", last_of_previous, previous_seasons(targets["season"])),
    ):
        same = players.label(seasons, previous) == np.asarray(season, dtype=object)
        played = np.where(same, players.state(games, previous), 0.0)
        columns[f"f_games_{name}"] = played
        for column in ROLLING_COLUMNS:
            total = players.state(running[column].to_numpy(), previous)
            with np.errstate(invalid="ignore", divide="ignore"):
                columns[f"f_{column}_{name}"] = np.where(played > 0, total / played, np.nan)
    return pd.DataFrame(columns)


def per36_rates(inputs: FeatureInputs) -> pd.DataFrame:
    """Per-36-minute rate of each stat over the last 10 games (ratio of sums)."""
    minutes = window_sum(inputs.player_lags("min", FORM_DEPTH)[:, :10])
    columns = {}
    for column in PER36_COLUMNS:
        total = window_sum(inputs.player_lags(column, FORM_DEPTH)[:, :10])
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[f"f_{column}_per36"] = np.where(minutes > 0, 36 * total / minutes, np.nan)
    return pd.DataFrame(columns)


def _rolled_column(stat: str) -> str | None:
    try:
        return stat_column(resolve_stat(stat).key)
    except ValidationError:
        return None


def line_hit_rates(inputs: FeatureInputs) -> pd.DataFrame:
    """Hit rates over 5/10/20 games for targets that carry a `stat` and a `line` (serving)."""
    targets = inputs.targets
    if "line" not in targets.columns or "stat" not in targets.columns:
        return pd.DataFrame(index=targets.index)
    line = pd.to_numeric(targets["line"], errors="coerce").to_numpy(float)
    result = {f"f_hit_rate_l{window}": np.full(len(targets), np.nan) for window in HIT_RATE_WINDOWS}
    for stat, rows in targets.groupby("stat", sort=True).indices.items():
        column = _rolled_column(str(stat))
        if column is None:
            continue  # a stat the frame does not roll (fantasy score) keeps NaN hit rates
        lags = inputs.player_lags(column, FORM_DEPTH)[rows]
        for window, rate in hit_rates(lags, line[rows]).items():
            result[f"f_hit_rate_{window}"][rows] = rate
    return pd.DataFrame(result)
