"""A stat's global model: variant selection on validation, then the test, lines and production fits.

Every fit is time-ordered (nothing shuffled): each variant (XGBoost, ElasticNet, RandomForest,
weighted ensemble, stacking) is fitted on the training seasons and scored on the validation
season; the lowest MAE wins and the spread family is chosen on its validation predictions
(distributions.py). The winner is then refitted on more seasons for each later stage.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from statmusepicks.core.stats import STATS
from statmusepicks.models.dataset import SeasonSplit, feature_columns, labelled, target_column
from statmusepicks.models.distributions import SpreadModel
from statmusepicks.models.estimators import (
    KINDS,
    START_WEIGHTS,
    StackingEnsemble,
    WeightedEnsemble,
    as_matrix,
    make_estimator,
)
from statmusepicks.models.selection import select_features
from statmusepicks.models.train_config import TrainConfig
from statmusepicks.models.tuning import study_name, tune_matrices


@dataclass
class GlobalFit:
    """A stat's global model through every stage."""

    stat: str
    variant: str
    variant_scores: dict[str, float]
    features: list[str]
    spread: SpreadModel
    valid_pred: pd.Series
    test_pred: pd.Series | None
    lines_estimator: Any
    production_estimator: Any
    weights: dict[str, float] | None
    seconds: float
    tuned: dict[str, Any] = field(default_factory=dict)
    tuning_seconds: float = 0.0


# A forest is cut to the fewest trees within this share of its best validation MAE. 0: the size
# that scores best, so the cut never validates worse than the whole forest. 0.001 cut the threes
# forest to 27 of 40 trees for +0.1 % member MAE (docs/performance/training.md): more time saved,
# for a trade the training must not make unasked.
FOREST_TOLERANCE = 0.0

# The player's own recent and season levels of the stat: more of them must never lower the
# predicted mean, so XGBoost is constrained to be non-decreasing in them.
MONOTONE_SUMMARIES = ("sma3", "sma5", "sma10", "ema", "wma10", "med10", "season", "prev_season")


def monotone_features(column: str, features: list[str]) -> dict[str, int]:
    """XGBoost monotone constraints (+1) on the stat's own form features present."""
    wanted = {f"f_{column}_{summary}" for summary in MONOTONE_SUMMARIES}
    return {name: 1 for name in features if name in wanted}


def respects_monotone(estimator: Any, features: list[str], monotone: dict[str, int]) -> bool:
    """False for a linear model with a negative weight on the stat's own form.

    XGBoost is constrained while it fits; a linear model cannot be, so a player's ElasticNet
    that learned "scores more lately -> predict fewer" from a few hundred games is rejected.
    """
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    coef = getattr(final, "coef_", None)
    if coef is None:
        return True
    weights = dict(zip(features, np.ravel(coef), strict=True))
    return all(weights.get(name, 0.0) >= 0.0 for name in monotone)


def _members(config: TrainConfig, stat: str, features: list[str]) -> dict[str, Any]:
    """Fresh, unfitted members of every configured kind, with tuned parameters if any."""
    members = {}
    for kind in config.kinds:
        params = dict(config.params.get(f"{stat}:{kind}", {}))
        if kind == "xgboost":
            params["monotone_constraints"] = monotone_features(target_column(stat), features)
        members[kind] = make_estimator(
            kind, quick=config.quick, n_jobs=config.n_jobs, params=params
        )
    return members


def capped_forest(model: Pipeline, xv: pd.DataFrame, yv: np.ndarray) -> Pipeline:
    """The fitted RandomForest pipeline cut to the fewest trees whose validation MAE is within
    `FOREST_TOLERANCE` of the best size's, its `n_estimators` set so that refits grow as many.

    A forest's first k trees are the forest a k-tree fit grows (the trees draw their seeds in
    order), so the cut and every refit agree. The forest's averaging flattens its validation
    curve early, and each tree is a full sort-based fit on the window (profile in
    docs/performance/training.md), so trees past the flat part cost time and buy nothing.
    """
    forest = model[-1]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        inputs = model[:-1].transform(xv.to_numpy(np.float64))
        per_tree = np.stack([tree.predict(inputs) for tree in forest.estimators_])
    sizes = np.arange(1, len(per_tree) + 1)[:, None]
    mae = np.mean(np.abs(np.cumsum(per_tree, axis=0) / sizes - yv), axis=1)
    size = int(np.argmax(mae <= mae.min() * (1.0 + FOREST_TOLERANCE))) + 1
    forest.estimators_ = forest.estimators_[:size]
    return model.set_params(model__n_estimators=size)


def _fit_variants(
    x: pd.DataFrame,
    y: np.ndarray,
    xv: pd.DataFrame,
    yv: np.ndarray,
    config: TrainConfig,
    stat: str,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    members = {k: m.fit(x, y) for k, m in _members(config, stat, list(x.columns)).items()}
    if "random_forest" in members:
        members["random_forest"] = capped_forest(members["random_forest"], xv, yv)
    fitted: dict[str, Any] = {k: m for k, m in members.items() if k in config.variants}
    if "ensemble" in config.variants:
        ensemble = WeightedEnsemble(members, {k: START_WEIGHTS[k] for k in members}, prefit=True)
        fitted["ensemble"] = ensemble.fit(x, y).fit_weights(xv, yv)
    if "stacking" in config.variants:
        stack = StackingEnsemble(members, prefit=True)
        fitted["stacking"] = stack.fit(x, y) if config.restack else stack.fit_mix(xv, yv)
    preds = {name: np.maximum(model.predict(xv), 0.0) for name, model in fitted.items()}
    return fitted, preds


def _refit(
    variant: str, chosen: Any, x: pd.DataFrame, y: np.ndarray, config: TrainConfig, stat: str
) -> Any:
    """The chosen variant, fitted afresh on more rows (ensemble weights kept)."""
    if variant in KINDS:
        return clone(chosen).fit(x, y)
    members = _members(config, stat, list(x.columns))
    if variant == "ensemble":
        # A member the vote gives no weight cannot move its prediction: it is not refitted.
        weighted = {k: m for k, m in members.items() if chosen.weights_.get(k, 0.0) > 0.0}
        return WeightedEnsemble(weighted, dict(chosen.weights_)).fit(x, y)
    if config.restack:
        return StackingEnsemble(members).fit(x, y)
    return chosen.refit_members(members, x, y)


def tuning_threads(config: TrainConfig) -> int:
    """XGBoost threads per tuning study: the cores shared by the stats tuned side by side."""
    cores = os.cpu_count() or 1
    if not config.use_ray:
        return cores
    return max(1, cores // max(1, min(len(config.stats), cores)))


def _tuned(
    x: pd.DataFrame, y: np.ndarray, xv: pd.DataFrame, yv: np.ndarray, config: TrainConfig, stat: str
) -> dict[str, Any]:
    """The stat's best XGBoost parameters after `config.trials` more trials (none: {})."""
    if config.trials <= 0:
        return {}
    result = tune_matrices(
        x,
        y,
        xv,
        yv,
        name=study_name(stat, config.split),
        storage=config.tuning_storage,
        trials=config.trials,
        nthread=tuning_threads(config),
        patience=config.tuning_patience,
    )
    return result.best_params


@dataclass
class SelectionMatrices:
    """A stat's labelled rows and the training and validation matrices selection fits on."""

    rows: pd.DataFrame
    features: list[str]
    x: pd.DataFrame
    y: np.ndarray
    xv: pd.DataFrame
    yv: np.ndarray


def selection_matrices(frame: pd.DataFrame, stat: str, split: SeasonSplit) -> SelectionMatrices:
    """The features selected on the training seasons and the matrices built from them, once."""
    column = target_column(stat)
    rows = labelled(frame, stat)
    train, valid = split.train(rows), split.validation(rows)
    features = select_features(train, feature_columns(frame), column)
    return SelectionMatrices(
        rows,
        features,
        as_matrix(train, features),
        train[column].to_numpy(float),
        as_matrix(valid, features),
        valid[column].to_numpy(float),
    )


def fit_global(frame: pd.DataFrame, stat: str, config: TrainConfig) -> GlobalFit:
    """Selection, test, lines and production fits of one stat's global model."""
    started = time.perf_counter()
    split = config.split
    column = target_column(stat)
    matrices = selection_matrices(frame, stat, split)
    rows, features = matrices.rows, matrices.features
    x, y, xv, yv = matrices.x, matrices.y, matrices.xv, matrices.yv
    # Tuned on the matrices every variant is fitted on: one feature selection, one build.
    tuning_started = time.perf_counter()
    tuned = _tuned(x, y, xv, yv, config, stat)
    tuning_seconds = time.perf_counter() - tuning_started
    if tuned:
        config = replace(config, params={**config.params, f"{stat}:xgboost": tuned})
    fitted, preds = _fit_variants(x, y, xv, yv, config, stat)
    scores = {name: float(np.mean(np.abs(p - yv))) for name, p in preds.items()}
    variant = min(scores, key=scores.__getitem__)
    chosen = fitted[variant]
    spread = SpreadModel.fit_choose(preds[variant], yv, max_value=STATS[stat].max_line)

    def refit(window: pd.DataFrame) -> Any:
        x_window, y_window = as_matrix(window, features), window[column].to_numpy(float)
        return _refit(variant, chosen, x_window, y_window, config, stat)

    test_pred, test_model = None, None
    if config.evaluate_test and split.test:
        before = split.through(rows, split.valid)
        model = refit(before)
        test = split.test_rows(rows)
        test_pred = pd.Series(
            np.maximum(model.predict(as_matrix(test, features)), 0.0), index=test.index
        )
        test_model = model

    # Without a refit, the latest model fitted before the line season prices the lines.
    lines_estimator = test_model if test_model is not None else chosen
    if config.refit_lines:
        before = rows[rows["season"] < config.lines_season]
        if split.train_first:
            before = before[before["season"] >= split.train_first]
        lines_estimator = refit(before)
    production = lines_estimator
    if config.refit_production:
        production = refit(split.through(rows, "9999"))
    return GlobalFit(
        stat=stat,
        variant=variant,
        variant_scores=scores,
        features=features,
        spread=spread,
        valid_pred=pd.Series(preds[variant], index=xv.index),
        test_pred=test_pred,
        lines_estimator=lines_estimator,
        production_estimator=production,
        weights=getattr(chosen, "weights_", None),
        seconds=time.perf_counter() - started,
        tuned=tuned,
        tuning_seconds=tuning_seconds,
    )
