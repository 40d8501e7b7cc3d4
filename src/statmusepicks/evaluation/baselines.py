"""Naive baselines every model is reported next to, computed on the same rows.

Point baselines come straight from the box scores (not from the feature frame), so that a leak
in the features cannot flatter the baselines it is compared with: season-to-date average,
last-10 average and an exponential moving average (alpha 0.3), each over games strictly before
the target game. The probability baseline is the de-vigged market: proportional de-vig of the
two prices of each book's main line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.core.stats import STATS, resolve_stat
from statmusepicks.evaluation.odds import devig
from statmusepicks.evaluation.props import settle

EMA_ALPHA = 0.3
LAST_N = 10
POINT_BASELINES = ("season_avg", "last10", "ema")


def point_baselines(player_logs: pd.DataFrame, column: str) -> pd.DataFrame:
    """season_avg / last10 / ema of `column` before each player-game, keyed by player and game.

    The last-10 and EMA windows run across season boundaries; the season average resets.
    """
    logs = player_logs.sort_values(["player_id", "game_date", "game_id"], kind="stable")
    values = logs[column].astype(float)
    by_player = values.groupby(logs["player_id"], sort=False)
    previous = by_player.shift(1)
    by_season = values.groupby([logs["player_id"], logs["season"]], sort=False)
    games_before = by_season.cumcount()
    sums_before = by_season.cumsum() - values
    return pd.DataFrame(
        {
            "player_id": logs["player_id"].to_numpy(),
            "game_id": logs["game_id"].astype(str).to_numpy(),
            "season_avg": np.where(
                games_before > 0, sums_before / games_before.clip(lower=1), np.nan
            ),
            "last10": previous.groupby(logs["player_id"], sort=False)
            .rolling(LAST_N, min_periods=1)
            .mean()
            .reset_index(level=0, drop=True)
            .reindex(logs.index)
            .to_numpy(),
            "ema": previous.groupby(logs["player_id"], sort=False)
            .transform(lambda s: s.ewm(alpha=EMA_ALPHA, adjust=True).mean())
            .to_numpy(),
        }
    )


def market_lines(prop_lines: pd.DataFrame, *, season: str | None = None) -> pd.DataFrame:
    """Each book's main line with both prices, de-vigged, and its settled outcome.

    Columns: player_id, game_date, stat, bookmaker, line, over_price, under_price, p_market,
    result (over / under / push / void) and over (1, 0, or NaN for pushes and voids).
    """
    lines = prop_lines
    if season is not None:
        lines = lines[lines["season"] == season]
    main = lines["is_main_line"].astype(bool) if "is_main_line" in lines else True
    lines = lines[
        main
        & lines["over_price"].notna()
        & lines["under_price"].notna()
        & lines["player_id"].notna()
    ]
    result = settle(lines["actual"], lines["line"].astype(float))
    over = result.map({"over": 1.0, "under": 0.0})
    return pd.DataFrame(
        {
            "player_id": lines["player_id"].astype("int64").to_numpy(),
            "game_date": pd.to_datetime(lines["game_date"]).to_numpy(),
            "stat": [resolve_stat(m).key for m in lines["market"]],
            "bookmaker": lines["bookmaker"].to_numpy(),
            "line": lines["line"].astype(float).to_numpy(),
            "over_price": lines["over_price"].astype(float).to_numpy(),
            "under_price": lines["under_price"].astype(float).to_numpy(),
            "p_market": devig(
                lines["over_price"].astype(float), lines["under_price"].astype(float)
            ),
            "result": result.to_numpy(),
            "over": over.astype(float).to_numpy(),
        }
    )


def stat_column(stat: str) -> str | None:
    """The box-score column of a single stat (None for combos)."""
    spec = STATS[resolve_stat(stat).key]
    return None if spec.is_combo else spec.columns[0]
