"""Serving interface: predictive distributions for feature rows, from the champion models.

SERVING CONTRACT (stable; the prediction service codes against it)
------------------------------------------------------------------
- `load_predictor(settings) -> Predictor`: every champion model from the registry (MLflow
  alias `champion`), falling back to the model files under `settings.var_dir / "models"` so
  that serving survives a restart without an MLflow server. Never raises for an empty
  registry: the predictor then serves season-average distributions.
- `Predictor.predict(features, stat, *, player_id=None) -> list[PropDistribution]`, one per row
  of `features` (rows of `statmusepicks.features.frame.build_feature_frame`), in row order.
  `stat` is any name `core.stats.resolve_stat` accepts. `player_id`, when given, overrides the
  frame's `player_id` column for choosing the player model.
- `PropDistribution` (models/distributions.py): `.mean`, `.variance`, `.prob_over(line)`,
  `.prob_under(line)`, `.prob_push(line)` (non-zero only for whole-number lines; the three sum
  to 1, so over/under conditional on no push sum to 1: `.prob_over_no_push(line)`),
  `.model_version` (`smp-points-global:3`), `.scope` ('player', 'global' or
  'season_average'), `.contributions` (up to 5 (feature, effect on the mean) pairs).
- Fallback chain per row: player model -> global model -> season-average distribution. A row
  with no history at all and no global model raises `ModelNotAvailableError`.
- Combos (pra, pr, pa, ra, stocks, fantasy) are priced from their components: the weighted sum
  of component means, and a variance with the residual correlations measured on validation.
- `Predictor.combine_with_market(p_over_model, p_over_market, stat) -> float`: the model's raw
  P(over) (no push) stacked with the de-vigged market P(over) by a logistic regression on both
  logits, fitted per stat on validation-period lines only (that fit is the calibration of the
  market-aware probability). `Predictor.calibrate(p, stat)` gives the isotonic-calibrated pure
  model probability. Stats without fitted weights return the market probability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from statmusepicks.core.errors import ModelNotAvailableError
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import (
    GLOBAL_SCOPE,
    MODEL_SCOPES,
    PLAYER_SCOPE,
    SEASON_AVERAGE_SCOPE,
    STATS,
    StatSpec,
    resolve_stat,
)
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.calibration import CalibratorRegistry
from statmusepicks.models.distributions import PropDistribution, SpreadModel, combine_components
from statmusepicks.models.estimators import as_matrix, predict_rows, weighted_sum
from statmusepicks.models.market import MarketStacker

FloatArray = npt.NDArray[np.float64]
TOP_CONTRIBUTIONS = 5
# A combo is only as specific as its least specific component: season_average < global < player.
SCOPE_RANK = {scope: rank for rank, scope in enumerate(reversed(MODEL_SCOPES))}
# Box-score column -> the single stat modelled on it (pts -> points, fg3m -> threes, ...).
COLUMN_STAT = {spec.columns[0]: key for key, spec in STATS.items() if not spec.is_combo}
# Spread of the season-average fallback, per mean: negative binomial with var = 1.3 mu + 0.04
# mu^2, close to what the fitted spread models give for points and rebounds (docs/modelling.md).
FALLBACK_SPREAD = SpreadModel(family="negbin", a=1.3, b=0.04)


@dataclass
class Pricing:
    """Vectorised predictions for a set of rows (the columns of a PropDistribution)."""

    mean: FloatArray
    variance: FloatArray
    family: list[str]
    scope: list[str]
    version: list[str]
    contributions: pd.DataFrame | None
    lattice: float = 1.0


@dataclass
class Predictor:
    """Champion models of every stat, with calibration and market stacking."""

    global_models: dict[str, StatModel] = field(default_factory=dict)
    player_models: dict[str, StatModel] = field(default_factory=dict)
    calibrators: CalibratorRegistry = field(default_factory=CalibratorRegistry)
    stacker: MarketStacker = field(default_factory=MarketStacker)
    correlation: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_models(cls, models: list[StatModel]) -> Predictor:
        """Assemble a predictor from loaded bundles (the latest-trained bundle's correlations)."""
        predictor = cls()
        newest = ""
        for model in models:
            if model.scope == PLAYER_SCOPE:
                predictor.player_models[model.stat] = model
                continue
            predictor.global_models[model.stat] = model
            predictor.calibrators.calibrators.update(model.calibrators)
            predictor.stacker.weights.update(model.stacks)
            if model.residual_correlation and model.trained_through >= newest:
                newest = model.trained_through
                predictor.correlation = pd.DataFrame(model.residual_correlation)
        return predictor

    @property
    def versions(self) -> dict[str, str]:
        """Loaded model labels by registry name."""
        models = [*self.global_models.values(), *self.player_models.values()]
        return {m.name: m.label for m in models}

    # ----------------------------------------------------------------------------- predict
    def predict(
        self,
        features: pd.DataFrame,
        stat: str,
        *,
        player_id: int | None = None,
        explain: bool = True,
    ) -> list[PropDistribution]:
        """One predictive distribution per feature row (see the module docstring); `explain`
        False leaves `contributions` empty (the board shows none, and they cost as much as the
        prediction)."""
        spec = resolve_stat(stat)
        pricing = self.price(features, spec.key, player_id=player_id, explain=explain)
        distributions = []
        for i in range(len(features)):
            distributions.append(
                PropDistribution(
                    mean=float(pricing.mean[i]),
                    variance=float(pricing.variance[i]),
                    family=pricing.family[i],  # type: ignore[arg-type]
                    stat=spec.key,
                    model_version=pricing.version[i],
                    scope=pricing.scope[i],
                    contributions=_top(pricing.contributions, i),
                    lattice=pricing.lattice,
                )
            )
        return distributions

    def price(
        self,
        features: pd.DataFrame,
        stat: str,
        *,
        player_id: int | None = None,
        explain: bool = False,
    ) -> Pricing:
        """Vectorised means, variances and provenance for every row (used by evaluation).

        `explain` adds per-feature contributions (XGBoost SHAP costs about as much as the
        prediction itself, so bulk pricing leaves it off).
        """
        spec = resolve_stat(stat)
        if spec.is_combo:
            return self._price_combo(features, spec, player_id, explain)
        return self._price_base(features, spec.key, player_id, explain)

    def _price_base(
        self, features: pd.DataFrame, stat: str, player_id: int | None, explain: bool
    ) -> Pricing:
        column = STATS[stat].columns[0]
        rows = len(features)
        ids = (
            np.full(rows, player_id) if player_id is not None else features["player_id"].to_numpy()
        )
        model = self.global_models.get(stat)
        if model is None:
            return self._season_average(features, column)
        mean, contrib = model.predict_mean(features, explain=explain)
        scope = [GLOBAL_SCOPE] * rows
        version = [model.label] * rows
        players = self.player_models.get(stat)
        if players is not None:
            for pid in set(ids.tolist()) & set(players.players):
                local = players.players[pid]
                where = np.flatnonzero(ids == pid)
                subset = features.iloc[where]
                own = predict_rows(local.estimator, as_matrix(subset, model.features))
                mean[where] = np.maximum(
                    local.shrinkage * own + (1.0 - local.shrinkage) * mean[where], 0.0
                )
                for i in where:
                    scope[i] = PLAYER_SCOPE
                    version[i] = players.label
        variance = model.spread.variance(mean)
        return Pricing(mean, variance, [model.spread.family] * rows, scope, version, contrib)

    def _season_average(self, features: pd.DataFrame, column: str) -> Pricing:
        """Mean from the season-to-date average, else last season's, else the last 10 games."""
        mean = pd.Series(np.nan, index=features.index, dtype=float)
        for name in (f"f_{column}_season", f"f_{column}_prev_season", f"f_{column}_sma10"):
            if name in features.columns:
                mean = mean.fillna(pd.to_numeric(features[name], errors="coerce"))
        if mean.isna().any():
            raise ModelNotAvailableError(
                f"no model for {COLUMN_STAT.get(column, column)} and no game history to average",
                details={"rows_without_history": int(mean.isna().sum())},
            )
        values = np.maximum(mean.to_numpy(float), 1e-3)
        rows = len(features)
        return Pricing(
            values,
            FALLBACK_SPREAD.variance(values),
            [FALLBACK_SPREAD.family] * rows,
            [SEASON_AVERAGE_SCOPE] * rows,
            [SEASON_AVERAGE_SCOPE] * rows,
            None,
        )

    def _price_combo(
        self, features: pd.DataFrame, spec: StatSpec, player_id: int | None, explain: bool
    ) -> Pricing:
        parts = [
            (self._price_base(features, COLUMN_STAT[c], player_id, explain), w, c)
            for c, w in spec.weights
        ]
        columns = [c for _, _, c in parts]
        weights = np.array([w for _, w, _ in parts])
        means = np.column_stack([p.mean for p, _, _ in parts])
        variances = np.column_stack([p.variance for p, _, _ in parts])
        corr = self._correlation(columns)
        mean, variance = combine_components(means, variances, weights, corr)
        whole = bool(np.all(weights == np.round(weights)) and np.all(weights > 0))
        family = [
            "negbin" if whole and v > m else "normal" for m, v in zip(mean, variance, strict=True)
        ]
        rows = len(features)
        scope = [
            min((p.scope[i] for p, _, _ in parts), key=SCOPE_RANK.__getitem__) for i in range(rows)
        ]
        version = ["+".join(sorted({p.version[i] for p, _, _ in parts})) for i in range(rows)]
        contrib = weighted_sum([(w, p.contributions) for p, w, _ in parts])
        return Pricing(
            mean, variance, family, scope, version, contrib, lattice=1.0 if whole else 0.1
        )

    def _correlation(self, columns: list[str]) -> FloatArray:
        """Residual correlations between components (independence where none was measured)."""
        size = len(columns)
        corr = np.eye(size)
        for i in range(size):
            for j in range(size):
                if i != j and not self.correlation.empty:
                    try:
                        corr[i, j] = float(self.correlation.loc[columns[i], columns[j]])
                    except KeyError:
                        corr[i, j] = 0.0
        return corr

    # ----------------------------------------------------------------------------- market
    def calibrate(self, p_over_model: npt.ArrayLike, stat: str) -> FloatArray:
        """The stat's isotonic-calibrated P(over) (unchanged without a calibrator)."""
        return self.calibrators.calibrate(resolve_stat(stat).key, p_over_model)

    def combine_with_market(self, p_over_model: float, p_over_market: float, stat: str) -> float:
        """The market-aware P(over): the model's raw P(over) stacked with the market's.

        The logistic stacking on both logits is itself the calibration of this probability
        (Platt scaling fitted on validation-period lines); the isotonic map is for the
        pure-model probability (`calibrate`).
        """
        return float(self.market_aware([p_over_model], [p_over_market], stat)[0])

    def market_aware(
        self, p_over_model: npt.ArrayLike, p_over_market: npt.ArrayLike, stat: str
    ) -> FloatArray:
        """`combine_with_market` of many lines at once (elementwise, so the same numbers)."""
        return self.stacker.combine(resolve_stat(stat).key, p_over_model, p_over_market)


def _top(contrib: pd.DataFrame | None, row: int) -> tuple[tuple[str, float], ...]:
    if contrib is None:
        return ()
    values = contrib.iloc[row]
    order = values.abs().sort_values(ascending=False).index[:TOP_CONTRIBUTIONS]
    return tuple((str(name), round(float(values[name]), 4)) for name in order)


def load_predictor(settings: Settings) -> Predictor:
    """A predictor over every champion (registry first, model files on disk as fallback)."""
    from statmusepicks.models.registry import load_champions

    return Predictor.from_models(load_champions(settings))
