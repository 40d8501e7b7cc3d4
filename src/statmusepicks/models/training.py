"""Training: global and per-player models per stat, fanned out over Ray, plus line calibration.

The pipeline for each stat (all time-ordered, nothing shuffled):

1. selection: every variant is fitted on the training seasons and scored on the validation
   season; the lowest MAE wins and its spread family is chosen (global_fit.py);
2. test (evaluation only): the winner refitted on train + validation predicts the test season;
3. lines: the winner refitted on every season before the prop-line season (or, in the
   evaluation protocol, the test model fitted through 2023-24) prices the real lines, and
   calibrators and market-stacking weights are fitted on them (line_pricing.py);
4. production: the winner refitted on every row with an outcome.

Per-player models are one Ray task per (player, stat), shrunk towards the global prediction
(player_fit.py). A failing task is recorded in the run and does not stop it (fanout.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import GLOBAL_SCOPE, PLAYER_SCOPE
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.dataset import (
    content_hash,
    feature_columns,
    target_column,
    validate_frame,
)
from statmusepicks.models.drift import DriftReference, build_reference
from statmusepicks.models.fanout import FollowUp, TaskOutcome, run_tasks
from statmusepicks.models.global_fit import GlobalFit, fit_global
from statmusepicks.models.line_pricing import attach_market_models, price_lines
from statmusepicks.models.player_fit import (
    PlayerResult,
    eligible_players,
    fit_player,
    player_tasks,
)
from statmusepicks.models.train_config import TrainConfig

log = get_logger(__name__)


@dataclass
class TrainingRun:
    """Everything a run produced: models to register, fits and results to report.

    `frame` is the feature frame in the run's row order: every prediction Series is indexed
    by its rows.
    """

    config: TrainConfig
    frame: pd.DataFrame
    models: list[StatModel]
    fits: dict[str, GlobalFit]
    players: list[PlayerResult]
    failures: list[TaskOutcome]
    residual_correlation: pd.DataFrame
    line_predictions: pd.DataFrame | None
    dataset_version: str
    seconds: dict[str, float]


def _global_task(frame: pd.DataFrame, stat: str, config: TrainConfig) -> GlobalFit:
    return fit_global(frame, stat, config)


def residual_correlation(frame: pd.DataFrame, fits: dict[str, GlobalFit]) -> pd.DataFrame:
    """Correlations of validation residuals between base stats, on shared player-games."""
    residuals = pd.DataFrame(
        {
            target_column(stat): frame.loc[fit.valid_pred.index, target_column(stat)]
            - fit.valid_pred
            for stat, fit in fits.items()
        }
    )
    return residuals.corr(min_periods=100).fillna(0.0)


def train_models(
    frame: pd.DataFrame,
    config: TrainConfig,
    lines: pd.DataFrame | None = None,
) -> TrainingRun:
    """Run the whole pipeline over `frame` (rows of build_feature_frame, any order)."""
    validate_frame(frame)
    frame = frame.sort_values(["game_date", "player_id"], kind="stable").reset_index(drop=True)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    version = content_hash(frame[["player_id", "game_id", *feature_columns(frame)[:5]]])

    # A stat's player tasks start as soon as its global fit is in, on whichever worker is free:
    # the stats' fits take unequal times, so a worker done with its share would otherwise idle
    # until the slowest fit ends.
    follow = None
    if config.per_player:
        by_player = eligible_players(frame, config)
        follow = FollowUp(
            fit_player,
            lambda outcome: player_tasks(by_player, {outcome.key: outcome.result}, config),
        )
    outcomes = run_tasks(
        _global_task,
        [(stat, (stat, config)) for stat in config.stats],
        config=config,
        description="global models, then player models" if follow else "global models",
        shared=frame,
        follow=follow,
    )
    global_outcomes = [o for o in outcomes if not o.followup]
    fits = {o.key: o.result for o in global_outcomes if o.error is None}
    failures = [o for o in outcomes if o.error is not None]
    results: list[PlayerResult] = [o.result for o in outcomes if o.followup and o.error is None]
    # Stage times by arrival: the global stage ends with its last fit, the player stage with
    # the last player task after that (player tasks run alongside the last global fits).
    global_end = max((o.arrived for o in global_outcomes), default=started)
    seconds["global"] = global_end - started
    if follow is not None:
        seconds["players"] = max((o.arrived for o in outcomes), default=global_end) - global_end
    correlation = residual_correlation(frame, fits) if fits else pd.DataFrame()

    trained_through = str(pd.to_datetime(frame["game_date"]).max().date())
    models = _bundles(fits, results, correlation, config, version, trained_through)
    for model in models:
        model.reference = fit_reference(frame, fits[model.stat])
    line_predictions = None
    if lines is not None and fits:
        started_lines = time.perf_counter()
        line_predictions = price_lines(frame, lines, fits, correlation, config)
        attach_market_models(models, line_predictions)
        seconds["lines"] = time.perf_counter() - started_lines
    seconds["total"] = time.perf_counter() - started
    for failure in failures:
        log.warning("training task failed", task=failure.key, error=failure.error)
    return TrainingRun(
        config,
        frame,
        models,
        fits,
        results,
        failures,
        correlation,
        line_predictions,
        version,
        seconds,
    )


def fit_reference(frame: pd.DataFrame, fit: GlobalFit) -> DriftReference:
    """The drift reference of a stat's models: its validation season's rows and residuals
    (out-of-sample, so comparable with what serving will see)."""
    rows = frame.loc[fit.valid_pred.index]
    target = rows[target_column(fit.stat)].astype(float)
    seasons = sorted(rows["season"].astype(str).unique()) if "season" in rows else []
    return build_reference(
        rows, fit.features, target, target - fit.valid_pred, period=",".join(seasons)
    )


def _bundles(
    fits: dict[str, GlobalFit],
    results: list[PlayerResult],
    correlation: pd.DataFrame,
    config: TrainConfig,
    version: str,
    trained_through: str,
) -> list[StatModel]:
    corr = {c: {r: float(v) for r, v in col.items()} for c, col in correlation.items()}
    models = []
    for stat, fit in fits.items():
        params = {
            "kinds": ",".join(config.kinds),
            "quick": config.quick,
            "train_first": config.split.train_first,
            "valid": config.split.valid,
            "weights": fit.weights,
        }
        metrics = {
            "valid_mae": fit.variant_scores[fit.variant],
            **{f"valid_mae_{k}": v for k, v in fit.variant_scores.items()},
            **{f"spread_{f}_{m}": v for f, s in fit.spread.scores_.items() for m, v in s.items()},
        }
        models.append(
            StatModel(
                stat=stat,
                scope=GLOBAL_SCOPE,
                variant=fit.variant,
                features=fit.features,
                spread=fit.spread,
                estimator=fit.production_estimator,
                residual_correlation=corr,
                trained_through=trained_through,
                dataset_version=version,
                metrics=metrics,
                params=params,
                selected_features={"global": fit.features},
            )
        )
        players = {r.player_id: r.model for r in results if r.stat == stat and r.model}
        if players:
            won = list(players.values())
            models.append(
                StatModel(
                    stat=stat,
                    scope=PLAYER_SCOPE,
                    variant="shrunk-player",
                    features=fit.features,
                    spread=fit.spread,
                    players=players,
                    trained_through=trained_through,
                    dataset_version=version,
                    params={"shrink_games": config.shrink_games, "min_games": config.min_games},
                    metrics={
                        "players": float(len(players)),
                        "valid_mae": float(np.mean([p.valid_mae for p in won])),
                        "global_valid_mae": float(np.mean([p.global_valid_mae for p in won])),
                    },
                )
            )
    return models
