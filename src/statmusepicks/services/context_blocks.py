"""The parts of a player context, computed by the feature pipeline's own functions.

Pure: each function reads built feature inputs and returns typed parts of the answer; fetching
and caching stay in `services/context.py`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from statmusepicks.core.numbers import finite_or_none
from statmusepicks.core.seasons import previous_season
from statmusepicks.core.stats import StatSpec
from statmusepicks.data.repositories import players as repo
from statmusepicks.features import advanced, context, opponent, rolling
from statmusepicks.features.arenas import TEAMS, team_codes
from statmusepicks.features.inputs import FeatureInputs
from statmusepicks.services.context_models import (
    AdvancedRates,
    ContextualFactors,
    HitRates,
    OpponentContext,
    RecentGame,
    RollingAverages,
    Trend,
)

# A trend is "up" or "down" when the fitted line moves the stat by more than 10 % of its
# 10-game average across those 10 games; smaller moves are noise at NBA game-to-game spreads.
TREND_THRESHOLD = 0.10
EPOCH = dt.date(1970, 1, 1)


class SharedBlocks:
    """Feature blocks computed once for every target of a build, read per request."""

    def __init__(self, inputs: FeatureInputs) -> None:
        self.schedule = context.schedule(inputs)
        self.efficiency = advanced.efficiency(inputs)
        minutes = rolling.form_summary(inputs.player_lags("min", rolling.FORM_DEPTH))
        self.projected_minutes = minutes["ema"]
        self._values: dict[str, np.ndarray] = {}
        self._summaries: dict[str, dict[str, np.ndarray]] = {}
        self._inputs = inputs

    def values(self, spec: StatSpec) -> np.ndarray:
        """The stat of every history game (combos and fantasy scoring summed by weight)."""
        if spec.key not in self._values:
            self._values[spec.key] = stat_values(self._inputs.history, spec)
        return self._values[spec.key]

    def lags(self, spec: StatSpec) -> np.ndarray:
        """The stat of each target's last games, newest first."""
        inputs = self._inputs
        return inputs.memo(
            f"context-lags:{spec.key}",
            lambda: inputs.players.lags(self.values(spec), inputs.previous, rolling.FORM_DEPTH),
        )

    def summary(self, spec: StatSpec) -> dict[str, np.ndarray]:
        """Rolling averages and slope of the stat per target."""
        if spec.key not in self._summaries:
            self._summaries[spec.key] = rolling.form_summary(self.lags(spec))
        return self._summaries[spec.key]


def stat_values(history: pd.DataFrame, spec: StatSpec) -> np.ndarray:
    """The stat of every game of `history`, summed over its weighted box-score columns."""
    total = np.zeros(len(history))
    for column, weight in spec.weights:
        total = total + history[column].to_numpy(float) * weight
    return total


class Form:
    """Recent games, season average, rolling averages, trend and hit rates of one target."""

    def __init__(
        self,
        inputs: FeatureInputs,
        shared: SharedBlocks,
        row: int,
        spec: StatSpec,
        limit: int,
        line: float | None,
    ) -> None:
        previous = int(inputs.previous[row])
        start = previous - int(inputs.players.position[previous]) if previous >= 0 else 0
        games = inputs.history.iloc[start : previous + 1]
        values = shared.values(spec)[start : previous + 1]
        recent = games.tail(limit).iloc[::-1]
        recent_values = values[len(values) - len(recent) :][::-1]
        self.season = str(inputs.targets["season"].iloc[row])
        this_season = (games["season"] == self.season).to_numpy()
        last_label = previous_season(self.season)
        averaged = this_season if this_season.any() else (games["season"] == last_label).to_numpy()
        self.recent_games = [
            RecentGame(
                date=EPOCH + dt.timedelta(days=int(game.day)),
                game_date=EPOCH + dt.timedelta(days=int(game.day)),
                game_id=str(game.game_id),
                opponent=str(game.opp),
                home=bool(game.is_home),
                stat_value=finite_or_none(value),
                minutes=finite_or_none(game.min),
            )
            for game, value in zip(recent.itertuples(), recent_values, strict=True)
        ]
        self.season_avg = finite_or_none(values[averaged].mean()) if averaged.any() else None
        self.season_avg_season = (
            self.season if this_season.any() else (last_label if averaged.any() else None)
        )
        self.games_this_season = int(this_season.sum())
        summary = {name: series[row] for name, series in shared.summary(spec).items()}
        self.rolling_averages = RollingAverages(
            sma3=finite_or_none(summary["sma3"], 3),
            sma5=finite_or_none(summary["sma5"], 3),
            sma10=finite_or_none(summary["sma10"], 3),
            ema=finite_or_none(summary["ema"], 3),
            wma=finite_or_none(summary["wma10"], 3),
        )
        self.trend = _trend(summary["sma10"], summary["slope10"])
        self.projected_minutes = finite_or_none(shared.projected_minutes[row], 1)
        self.hit_rates = None if line is None else _hit_rates(shared.lags(spec)[row], line)


def _trend(sma10: float, slope: float) -> Trend:
    change = slope * 9 / abs(sma10) if sma10 and not np.isnan(slope) else 0.0
    direction = (
        "up" if change > TREND_THRESHOLD else "down" if change < -TREND_THRESHOLD else "flat"
    )
    return Trend(direction=direction, slope=finite_or_none(slope, 3))


def _hit_rates(lags: np.ndarray, line: float) -> HitRates:
    rates = rolling.hit_rates(lags[None, :], np.array([line]))
    return HitRates(
        line=line,
        last5=finite_or_none(rates["l5"][0], 3),
        last10=finite_or_none(rates["l10"][0], 3),
        last20=finite_or_none(rates["l20"][0], 3),
    )


def factors(
    inputs: FeatureInputs, shared: SharedBlocks, row: int, game: repo.ScheduledGame | None
) -> ContextualFactors:
    """Days of rest before the target game, back-to-back, venue and recent schedule load."""
    previous = int(inputs.previous[row])
    last_day = inputs.players.day[previous] if previous >= 0 else None
    target_day = int(inputs.targets["day"].iloc[row])
    rest = None if last_day is None else target_day - int(last_day)
    return ContextualFactors(
        days_rest=rest,
        is_back_to_back=None if rest is None else rest == 1,
        is_home=None if game is None else game.is_home,
        games_last7_days=int(shared.schedule["f_games_last7"].iloc[row]),
    )


def advanced_rates(shared: SharedBlocks, row: int) -> AdvancedRates:
    """Usage, shooting efficiency, game score and PIE over the efficiency window."""
    rates = shared.efficiency.iloc[row]
    return AdvancedRates(
        usage=finite_or_none(rates["f_usg_pct_l10"], 1),
        true_shooting=finite_or_none(rates["f_ts_pct_l10"] * 100, 1),
        effective_field_goal=finite_or_none(rates["f_efg_pct_l10"] * 100, 1),
        game_score=finite_or_none(rates["f_game_score_l10"], 1),
        pie=finite_or_none(rates["f_pie_l10"] * 100, 1),
        window=advanced.EFFICIENCY_WINDOW,
    )


def opponent_ratings(inputs: FeatureInputs, row: int, game: repo.ScheduledGame) -> OpponentContext:
    """The opponent's defensive rating, pace and rank as of the target's game day."""
    day = inputs.targets["day"].to_numpy()[row : row + 1]
    code = team_codes(np.array([game.opp]))
    season = inputs.targets["season"].to_numpy()[row : row + 1]
    ratings = opponent.ratings_as_of(inputs.teams, code, day, season).iloc[0]
    known = code[0] < len(TEAMS)
    rank = opponent.defence_ranks(inputs.teams, day)[0][code[0]] if known else None
    return OpponentContext(
        name=game.opp,
        defensive_rating=finite_or_none(ratings["drtg"], 1),
        pace=finite_or_none(ratings["pace"], 1),
        rank=None if rank is None else int(rank),
        games_this_season=int(ratings["games"]),
        source=opponent.RATING_SOURCES[int(ratings["source"])],
    )
