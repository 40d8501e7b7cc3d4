"""Optuna tuning of the global XGBoost model, resumable from the database.

The objective is the validation log score of the predictive distribution (the mean negative log
probability of the actual count), so a trial is judged on the whole distribution it implies, not
only on its mean. A median pruner stops trials whose validation score after a share of the trees
is worse than the median of earlier trials at the same point. The study lives in the
application database (`storage` is the SQLAlchemy URL), so `train --trials N` run twice resumes
and adds N trials to the same study.
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
from statmusepicks.models.estimators import as_matrix
from statmusepicks.models.selection import select_features

REPORT_EVERY = 25


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


class _PruningCallback(xgboost.callback.TrainingCallback):
    """Reports the validation score to Optuna every few trees; stops a pruned trial."""

    def __init__(self, trial: optuna.Trial, score: Any) -> None:
        self.trial = trial
        self.score = score
        self.pruned = False

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:  # noqa: ARG002
        if (epoch + 1) % REPORT_EVERY:
            return False
        value = self.score(model)
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            self.pruned = True
            return True
        return False


def tune_stat(
    frame: pd.DataFrame,
    stat: str,
    *,
    split: SeasonSplit,
    storage: str | None,
    trials: int,
    sample_rows: int = 60_000,
    max_rounds: int = 600,
    seed: int = 0,
) -> TuningResult:
    """Run `trials` more trials of the stat's study and return the best parameters so far."""
    column = target_column(stat)
    rows = labelled(frame, stat)
    train = split.train(rows)
    train = train.iloc[-sample_rows:] if len(train) > sample_rows else train
    valid = split.validation(rows)
    features = select_features(train, feature_columns(frame), column)
    dtrain = xgboost.DMatrix(as_matrix(train, features), label=train[column].to_numpy(float))
    dvalid = xgboost.DMatrix(as_matrix(valid, features))
    y_valid = valid[column].to_numpy(float)

    def score(booster: Any) -> float:
        mean = np.maximum(booster.predict(dvalid), 1e-3)
        # Moment-matched NB1 spread (var = a * mean): closed form, so scoring every few trees
        # stays cheap; the full spread model is fitted once the variant is chosen.
        a = max(float(np.mean((y_valid - mean) ** 2) / np.mean(mean)), 1.0 + 1e-3)
        spread = SpreadModel(family="negbin", a=a, b=0.0)
        return float(log_score(spread.family, mean, spread.variance(mean), y_valid).mean())

    def objective(trial: optuna.Trial) -> float:
        params = {
            "objective": "reg:squarederror",
            "tree_method": "hist",
            "nthread": os.cpu_count() or 1,  # tuning runs alone, before the Ray fan-out
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
        callback = _PruningCallback(trial, score)
        booster = xgboost.train(params, dtrain, num_boost_round=rounds, callbacks=[callback])
        if callback.pruned:
            raise optuna.TrialPruned()
        return score(booster)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=study_name(stat, split),
        storage=storage,
        direction="minimize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=seed),
        # No pruning before a third of the largest budget: early on a high learning rate always
        # looks better, and pruning there would bias the study towards fast, coarse models.
        pruner=optuna.pruners.MedianPruner(n_startup_trials=10, n_warmup_steps=max_rounds // 3),
    )
    study.optimize(objective, n_trials=trials, gc_after_trial=True)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        return TuningResult(study.study_name, {}, float("nan"), len(study.trials))
    return TuningResult(
        study.study_name, dict(study.best_params), float(study.best_value), len(study.trials)
    )
