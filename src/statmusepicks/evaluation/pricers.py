"""Reference pricers for backtests: the de-vigged market, and an honest season-average model.

Both follow the `Pricer` / `PricerFactory` protocols of `evaluation.backtest_types`. The market
pricer is the benchmark (its bets should lose about the books' margin); the season-average
pricer is the simplest model worth beating: each player's season-to-date mean (shrunk towards
last season's while the season is young) with a negative binomial spread fitted on games before
the refit date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from statmusepicks.core.seasons import previous_season, season_of
from statmusepicks.core.stats import BOOK_MARKETS, resolve_stat

PRICE_COLUMNS = ["p_over", "p_under", "p_push", "predicted"]


def stat_values(history: pd.DataFrame, market: str) -> pd.Series:
    """A market's stat per game log row, summed from its box-score parts (PRA = pts+reb+ast)."""
    spec = resolve_stat(market)
    total = pd.Series(0.0, index=history.index)
    for column, weight in spec.weights:
        total = total + weight * history[column].astype(float)
    return total


def count_probabilities(
    mean: np.ndarray, alpha: np.ndarray, line: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(X > line), P(X < line), P(X = line) for a negative binomial with var = m + alpha m^2.

    alpha = 0 is the Poisson limit. NaN means in, NaN probabilities out.
    """
    mean = np.asarray(mean, float)
    alpha = np.maximum(np.asarray(alpha, float), 1e-9)
    line = np.asarray(line, float)
    size = 1.0 / alpha
    success = size / (size + np.maximum(mean, 1e-9))
    below_or_at = stats.nbinom.cdf(np.floor(line), size, success)
    below = stats.nbinom.cdf(np.ceil(line) - 1, size, success)
    push = below_or_at - below
    invalid = ~np.isfinite(mean)
    over = np.where(invalid, np.nan, 1.0 - below_or_at)
    under = np.where(invalid, np.nan, below)
    return over, under, np.where(invalid, np.nan, push)


@dataclass
class MarketPricer:
    """The consensus de-vigged price as the forecast: the benchmark every model must beat."""

    name: str = "market"

    def fit(self, as_of: dt.date, history: pd.DataFrame) -> MarketPricer:  # noqa: ARG002
        """Nothing to learn: the market's view arrives with each day's props."""
        return self

    def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:  # noqa: ARG002
        """P(over) is the mean de-vigged over probability across books at the same line."""
        p_over = props["market_p_over"].astype(float)
        return pd.DataFrame(
            {"p_over": p_over, "p_under": 1.0 - p_over, "p_push": 0.0, "predicted": np.nan},
            index=props.index,
        )


@dataclass
class SeasonMeanPricer:
    """Factory for the season-to-date mean pricer; `fit` learns one NB dispersion per stat.

    `prior_games`: last season's mean counts as this many games of evidence, so a player's
    first games of a season do not swing the forecast on their own. `dispersion_seasons`: how
    many seasons before the refit date the spread is fitted on.
    """

    name: str = "season_mean"
    prior_games: float = 5.0
    dispersion_seasons: int = 2
    min_games: int = 10
    markets: tuple[str, ...] = BOOK_MARKETS

    def fit(self, as_of: dt.date, history: pd.DataFrame) -> FittedSeasonMean:
        """Dispersion per stat from player-seasons before `as_of` (pooled method of moments)."""
        seasons = sorted(history["season"].unique())[-self.dispersion_seasons :]
        recent = history[history["season"].isin(seasons)]
        alphas = {market: self._dispersion(recent, market) for market in self.markets}
        return FittedSeasonMean(self.prior_games, alphas, as_of)

    def _dispersion(self, recent: pd.DataFrame, market: str) -> float:
        """alpha minimising sum((var - mean - alpha mean^2)^2) over player-seasons."""
        values = stat_values(recent, market)
        grouped = values.groupby([recent["player_id"], recent["season"]]).agg(
            ["mean", "var", "size"]
        )
        grouped = grouped[(grouped["size"] >= self.min_games) & (grouped["mean"] > 0)]
        if grouped.empty:
            return 0.0
        m, v = grouped["mean"].to_numpy(), grouped["var"].to_numpy()
        return float(max(np.sum((v - m) * m**2) / np.sum(m**4), 0.0))


@dataclass
class FittedSeasonMean:
    """Season-to-date mean with a last-season prior, negative binomial around it."""

    prior_games: float
    alphas: dict[str, float]
    fitted_on: dt.date

    def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
        """Price each prop from the player's games before the day (none of that day's)."""
        out = pd.DataFrame(index=props.index, columns=PRICE_COLUMNS, dtype=float)
        if props.empty:
            return out
        day = props["game_date"].iloc[0]
        season = season_of(day)
        this_season = history[history["season"] == season]
        last_season = history[history["season"] == previous_season(season)]
        for market, rows in props.groupby("market"):
            key = str(market)
            now = (
                stat_values(this_season, key)
                .groupby(this_season["player_id"])
                .agg(["mean", "size"])
            )
            before = stat_values(last_season, key).groupby(last_season["player_id"]).mean()
            players = rows["player_id"]
            games = now["size"].reindex(players).fillna(0).to_numpy(dtype=float)
            current = now["mean"].reindex(players).fillna(0).to_numpy(dtype=float)
            prior = before.reindex(players).to_numpy(dtype=float)
            weight = np.where(np.isfinite(prior), self.prior_games, 0.0)
            total = games + weight
            mean = (current * games + np.nan_to_num(prior) * weight) / np.where(
                total > 0, total, np.nan
            )
            base = self.alphas.get(key, 0.0)
            # The mean is itself estimated from `total` games; its error widens the forecast.
            variance = (mean + base * mean**2) * (1.0 + 1.0 / np.maximum(total, 1.0))
            alpha = (variance - mean) / np.maximum(mean, 1e-9) ** 2
            over, under, push = count_probabilities(mean, alpha, rows["line"].to_numpy())
            out.loc[rows.index] = np.column_stack([over, under, push, mean])
        return out.astype(float)
