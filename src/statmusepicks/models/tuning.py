"""Optuna tuning of the global XGBoost model, resumable from the database.

The objective is the validation log score of the predictive distribution (the mean negative log
probability of the actual count), so a trial is judged on the whole distribution it implies, not
only on its mean. The score is read every `REPORT_EVERY` trees: a trial stops early once it has
not improved for `patience` reports (its forest is then capped at its best size on validation,
and that size is what the trial suggests as `n_estimators`), and a median pruner stops trials
whose score at a checkpoint is worse than the median of earlier trials there. The study lives
in the application database (`storage` is the SQLAlchemy URL), so `train --trials N` run twice
resumes and adds N trials to the same study.

`tune_matrices` works on feature matrices the caller already built, so a stat's global fit
builds them once for tuning and for every variant (global_fit.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
import pandas as pd
import xgboost

from statmusepicks.models.dataset import (
    SeasonSplit,
    feature_columns,
    labelled,
    target_column,
)
from statmusepicks.models.distributions import SpreadModel, log_score
from statmusepicks.models.estimators import GLOBAL_MAX_BIN, as_matrix
from statmusepicks.models.selection import select_features

REPORT_EVERY = 25
# Two reports (50 trees) without a better validation score: at the learning rates searched
# (0.02-0.2) the log score of an overfitting forest does not come back after that.
PATIENCE = 2
# Trials grow forests on the latest rows of the training window (about a season and a half):
# a trial's cost is linear in rows. Against 60,000 rows, 40,000 cut the four line stats'
# tuning CPU by a third and moved the final model's validation log score by +0.0013 (rebounds)
# to -0.0002 (threes) (docs/performance/training.md).
SAMPLE_ROWS = 40_000
BEST_ROUNDS = "best_rounds"


@dataclass
class TuningResult:
    """The best parameters found so far and the study they came from."""

    study_name: str
    best_params: dict[str, Any]
    best_value: float
    trials: int


def study_name(stat: str, split: SeasonSplit) -> str:
    """One study per stat and validation season, so that runs resume the right one."""
    return f"smp-{stat}-xgboost-valid-{split.valid}"


class _ValidationCallback(xgboost.callback.TrainingCallback):
    """Scores the validation rows every few trees: reports to Optuna, keeps the best size,
    stops the trial when pruned or when `patience` reports brought no improvement."""

    def __init__(self, trial: optuna.Trial, score: Any, patience: int | None) -> None:
        self.trial = trial
        self.score = score
        self.patience = patience
        self.pruned = False
        self.best = (float("inf"), 0)
        self.stale = 0

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:  # noqa: ARG002
        rounds = epoch + 1
        if rounds % REPORT_EVERY:
            return False
        value = self.score(model)
        self.stale = 0 if value < self.best[0] else self.stale + 1
        if self.stale == 0:
            self.best = (value, rounds)
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            self.pruned = True
            return True
        return self.patience is not None and self.stale >= self.patience


def _storage(url: str | optuna.storages.BaseStorage | None) -> Any:
    """Optuna's storage for a database URL. SQLite waits up to a minute for its write lock:
    the stats' studies run side by side in separate processes and write to the same file."""
    if isinstance(url, str) and url.startswith("sqlite"):
        return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
    return url


def tune_matrices(
    x: pd.DataFrame,
    y: np.ndarray,
    xv: pd.DataFrame,
    yv: np.ndarray,
    *,
    name: str,
    storage: str | optuna.storages.BaseStorage | None,
    trials: int,
    sample_rows: int = SAMPLE_ROWS,
    max_rounds: int = 600,
    seed: int = 0,
    nthread: int | None = None,
    patience: int | None = PATIENCE,
    max_bin: int = GLOBAL_MAX_BIN,
) -> TuningResult:
    """Run `trials` more trials of study `name` on time-ordered training rows `x`, `y` (the
    latest `sample_rows` are used) scored on validation rows `xv`, `yv`.

    `nthread` defaults to every core (tuning alone in a process); a fan-out that tunes one
    stat per core passes 1. `patience=None` turns early stopping off (each trial grows the
    `n_estimators` it drew).
    """
    if len(x) > sample_rows:
        x, y = x.iloc[-sample_rows:], y[-sample_rows:]
    # Plain arrays, no column names: XGBoost checks a matrix's names against the booster's on
    # every boosting round (4 % of a study under cProfile); the columns are the same by design.
    dtrain = xgboost.DMatrix(x.to_numpy(np.float64), label=y)
    dvalid = xgboost.DMatrix(xv.to_numpy(np.float64))

    def score(booster: Any) -> float:
        # The booster caches its predictions on `dvalid`, so each call adds only the new trees.
        mean = np.maximum(booster.predict(dvalid), 1e-3)
        # Moment-matched NB1 spread (var = a * mean): closed form, so scoring every few trees
        # stays cheap; the full spread model is fitted once the variant is chosen.
        a = max(float(np.mean((yv - mean) ** 2) / np.mean(mean)), 1.0 + 1e-3)
        spread = SpreadModel(family="negbin", a=a, b=0.0)
        return float(log_score(spread.family, mean, spread.variance(mean), yv).mean())

    def objective(trial: optuna.Trial) -> float:
        params = {
            "objective": "reg:squarederror",
            "tree_method": "hist",
            "max_bin": max_bin,
            "nthread": nthread or os.cpu_count() or 1,
            "seed": seed,
            "eta": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
            "max_depth": trial.suggest_int("max_depth", 3, 8),
            "min_child_weight": trial.suggest_float("min_child_weight", 5, 200, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
            "lambda": trial.suggest_float("reg_lambda", 0.1, 50, log=True),
        }
        rounds = trial.suggest_int(
            "n_estimators", max_rounds // 6, max_rounds, step=max_rounds // 12
        )
        callback = _ValidationCallback(trial, score, patience)
        booster = xgboost.train(params, dtrain, num_boost_round=rounds, callbacks=[callback])
        if callback.pruned:
            raise optuna.TrialPruned()
        if patience is None:
            value, best_rounds = score(booster), rounds
        else:
            value, best_rounds = min(callback.best, (score(booster), rounds))
        trial.set_user_attr(BEST_ROUNDS, best_rounds)
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=name,
        storage=_storage(storage),
        direction="minimize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=seed),
        # No pruning before a third of the largest budget: early on a high learning rate always
        # looks better, and pruning there would bias the study towards fast, coarse models.
        pruner=optuna.pruners.MedianPruner(n_startup_trials=10, n_warmup_steps=max_rounds // 3),
    )
    # No full garbage collection after each trial (3 % of a study under cProfile): a trial's
    # booster is freed by reference counting when it returns.
    study.optimize(objective, n_trials=trials)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        return TuningResult(study.study_name, {}, float("nan"), len(study.trials))
    best = study.best_trial
    params = dict(best.params)
    # The forest size that scored best on validation (trials stored before early stopping
    # existed carry none: their drawn size is what they were scored with).
    params["n_estimators"] = int(best.user_attrs.get(BEST_ROUNDS, params["n_estimators"]))
    return TuningResult(study.study_name, params, float(study.best_value), len(study.trials))


def tune_stat(
    frame: pd.DataFrame,
    stat: str,
    *,
    split: SeasonSplit,
    storage: str | None,
    trials: int,
    features: list[str] | None = None,
    **options: Any,
) -> TuningResult:
    """Tune one stat straight from the feature frame (features selected on its training rows
    unless given); `options` go to `tune_matrices`."""
    column = target_column(stat)
    rows = labelled(frame, stat)
    train, valid = split.train(rows), split.validation(rows)
    if features is None:
        sample = train.iloc[-options.get("sample_rows", SAMPLE_ROWS) :]
        features = select_features(sample, feature_columns(frame), column)
    return tune_matrices(
        as_matrix(train, features),
        train[column].to_numpy(float),
        as_matrix(valid, features),
        valid[column].to_numpy(float),
        name=study_name(stat, split),
        storage=storage,
        trials=trials,
        **options,
    )
