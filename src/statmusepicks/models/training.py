"""Training: global and per-player models per stat, fanned out over Ray, plus line calibration.

The pipeline for each stat (all time-ordered, nothing shuffled):

1. selection: every variant (XGBoost, ElasticNet, RandomForest, weighted ensemble, stacking)
   is fitted on the training seasons and scored on the validation season; the lowest MAE wins,
   and the spread family is chosen on the validation predictions (distributions.py);
2. test (evaluation only): the winner refitted on train + validation predicts the test season;
3. lines: the winner refitted on every season before the prop-line season (or, in the
   evaluation protocol, the test model fitted through 2023-24) prices the real lines;
   isotonic calibrators and market-stacking weights are fitted on the lines before
   `line_cutoff` (validation-period lines) and scored on the rest;
4. production: the winner refitted on every row with an outcome.

Per-player models (players with `min_games`+ games before the validation season) are one Ray
task per (player, stat): each candidate is blended with the global prediction at weight
n / (n + shrink_games), and kept only if it beats the global model on the player's validation
games by `min_player_gain`. A failing task is recorded in the run and does not stop it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from statmusepicks.core.logging import get_logger
from statmusepicks.core.stats import BASE_STATS, STATS
from statmusepicks.models.bundle import PlayerModel, StatModel
from statmusepicks.models.calibration import CalibratorRegistry
from statmusepicks.models.dataset import (
    SeasonSplit,
    content_hash,
    feature_columns,
    labelled,
    target_column,
    validate_frame,
)
from statmusepicks.models.distributions import SpreadModel, split_line
from statmusepicks.models.estimators import (
    KINDS,
    START_WEIGHTS,
    StackingEnsemble,
    WeightedEnsemble,
    as_matrix,
    make_estimator,
)
from statmusepicks.models.market import MarketStacker
from statmusepicks.models.predictor import COLUMN_STAT, Predictor
from statmusepicks.models.selection import select_features

log = get_logger(__name__)
T = TypeVar("T")
R = TypeVar("R")

# Combos ride with the model of their first component for calibration and stacking storage.
LINE_STATS_OWNER = {key: COLUMN_STAT[spec.columns[0]] for key, spec in STATS.items()}


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how."""

    stats: tuple[str, ...] = BASE_STATS
    players: tuple[int, ...] | None = None
    quick: bool = False
    split: SeasonSplit = field(
        default_factory=lambda: SeasonSplit(
            train_first="2018-19", train_last="2023-24", valid="2024-25", test=""
        )
    )
    kinds: tuple[str, ...] = KINDS
    variants: tuple[str, ...] = (*KINDS, "ensemble", "stacking")
    per_player: bool = True
    player_kinds: tuple[str, ...] = ("elasticnet", "xgboost")
    player_stats: tuple[str, ...] | None = None
    min_games: int = 50
    # Prior strength in games: a player with 200 games before validation gets weight 0.5.
    shrink_games: float = 200.0
    # A player model must beat the global one by this share of validation MAE to be kept. With
    # a 100-game prior and no margin, player models that won on 2023-24 lost on the 2024-25
    # test season (points MAE 4.539 served vs 4.486 global-only; docs/modelling.md).
    min_player_gain: float = 0.02
    evaluate_test: bool = False
    refit_lines: bool = True
    refit_production: bool = True
    lines_season: str = "2025-26"
    line_cutoff: dt.date | None = None
    use_ray: bool = True
    ray_address: str | None = None
    progress: bool = True
    n_jobs: int = 1
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


def quick_config(**overrides: Any) -> TrainConfig:
    """Global XGBoost + ElasticNet ensembles for every base stat, fitted once (a few minutes).

    Trained on 2020-21 .. 2023-24 and validated on 2024-25; that one fit also prices the
    2025-26 lines and serves, so each stat costs one fit of two small models.
    """
    config = TrainConfig(
        quick=True,
        split=SeasonSplit(train_first="2020-21", train_last="2023-24", valid="2024-25", test=""),
        kinds=("xgboost", "elasticnet"),
        variants=("ensemble",),
        per_player=False,
        refit_lines=False,
        refit_production=False,
    )
    return replace(config, **overrides)


def evaluation_config(**overrides: Any) -> TrainConfig:
    """The issue's protocol: train to 2022-23, validate 2023-24, test 2024-25, then the lines."""
    config = TrainConfig(
        split=SeasonSplit(
            train_first="2018-19", train_last="2022-23", valid="2023-24", test="2024-25"
        ),
        evaluate_test=True,
        # The test model (fitted through 2023-24) prices the 2025-26 lines: one fit fewer per
        # stat, and still fitted only on games before every line's date.
        refit_lines=False,
        refit_production=False,
    )
    return replace(config, **overrides)


# --------------------------------------------------------------------------- fan-out
@dataclass
class TaskOutcome:
    """One task's result, or the error that stopped it."""

    key: str
    result: Any = None
    error: str | None = None
    seconds: float = 0.0


def _guarded(fn: Callable[..., Any], key: str, *args: Any) -> TaskOutcome:
    started = time.perf_counter()
    try:
        return TaskOutcome(key, fn(*args), None, time.perf_counter() - started)
    except Exception:
        return TaskOutcome(key, None, traceback.format_exc(limit=5), time.perf_counter() - started)


def run_tasks(
    fn: Callable[..., Any],
    tasks: list[tuple[str, tuple[Any, ...]]],
    *,
    config: TrainConfig,
    description: str,
    shared: Any = None,
) -> list[TaskOutcome]:
    """Run `fn(shared, *args)` for every (key, args) task; Ray when enabled, else in-process.

    `shared` (the feature frame) is put in Ray's object store once. Results come back as
    tasks finish, driving a rich progress bar.
    """
    if not tasks:
        return []
    if not config.use_ray:
        return list(
            _progress(
                (_guarded(fn, key, shared, *args) for key, args in tasks),
                len(tasks),
                description,
                config.progress,
            )
        )
    import ray

    if not ray.is_initialized():
        if config.ray_address:
            ray.init(address=config.ray_address, log_to_driver=False)
        else:
            # Ray runs workers at niceness 15 by default; on a shared box they then starve
            # behind any interactive job. Training is the job here, so keep them at 0.
            os.environ.setdefault("RAY_worker_niceness", "0")
            ray.init(
                num_cpus=os.cpu_count() or 2,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
    remote = ray.remote(num_cpus=1, max_retries=0)(_guarded)
    shared_ref = ray.put(shared)
    pending = [remote.remote(fn, key, shared_ref, *args) for key, args in tasks]

    def finished() -> Iterable[TaskOutcome]:
        waiting = list(pending)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                try:
                    yield ray.get(ref)
                except Exception as exc:
                    yield TaskOutcome("unknown", None, repr(exc))

    return list(_progress(finished(), len(tasks), description, config.progress))


def _progress(
    outcomes: Iterable[TaskOutcome], total: int, description: str, show: bool
) -> Iterable[TaskOutcome]:
    if not show:
        yield from outcomes
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as bar:
        task = bar.add_task(description, total=total)
        for outcome in outcomes:
            bar.advance(task)
            yield outcome


# --------------------------------------------------------------------------- global models
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


def _fit_variants(
    x: pd.DataFrame,
    y: np.ndarray,
    xv: pd.DataFrame,
    yv: np.ndarray,
    config: TrainConfig,
    stat: str,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    members = {k: m.fit(x, y) for k, m in _members(config, stat, list(x.columns)).items()}
    fitted: dict[str, Any] = {k: m for k, m in members.items() if k in config.variants}
    if "ensemble" in config.variants:
        ensemble = WeightedEnsemble(members, {k: START_WEIGHTS[k] for k in members}, prefit=True)
        fitted["ensemble"] = ensemble.fit(x, y).fit_weights(xv, yv)
    if "stacking" in config.variants:
        fitted["stacking"] = StackingEnsemble(members, prefit=True).fit(x, y)
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
        return WeightedEnsemble(members, dict(chosen.weights_)).fit(x, y)
    return StackingEnsemble(members).fit(x, y)


def fit_global(frame: pd.DataFrame, stat: str, config: TrainConfig) -> GlobalFit:
    """Selection, test, lines and production fits of one stat's global model."""
    started = time.perf_counter()
    split = config.split
    column = target_column(stat)
    rows = labelled(frame, stat)
    train, valid = split.train(rows), split.validation(rows)
    features = select_features(train, feature_columns(frame), column)
    x, y = as_matrix(train, features), train[column].to_numpy(float)
    xv, yv = as_matrix(valid, features), valid[column].to_numpy(float)
    fitted, preds = _fit_variants(x, y, xv, yv, config, stat)
    scores = {name: float(np.mean(np.abs(p - yv))) for name, p in preds.items()}
    variant = min(scores, key=scores.__getitem__)
    chosen = fitted[variant]
    spread = SpreadModel.fit_choose(preds[variant], yv, max_value=STATS[stat].max_line)

    test_pred, test_model = None, None
    if config.evaluate_test and split.test:
        before = split.through(rows, split.valid)
        model = _refit(
            variant,
            chosen,
            as_matrix(before, features),
            before[column].to_numpy(float),
            config,
            stat,
        )
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
        lines_estimator = _refit(
            variant,
            chosen,
            as_matrix(before, features),
            before[column].to_numpy(float),
            config,
            stat,
        )
    production = lines_estimator
    if config.refit_production:
        window = split.through(rows, "9999")
        production = _refit(
            variant,
            chosen,
            as_matrix(window, features),
            window[column].to_numpy(float),
            config,
            stat,
        )
    return GlobalFit(
        stat=stat,
        variant=variant,
        variant_scores=scores,
        features=features,
        spread=spread,
        valid_pred=pd.Series(preds[variant], index=valid.index),
        test_pred=test_pred,
        lines_estimator=lines_estimator,
        production_estimator=production,
        weights=getattr(chosen, "weights_", None),
        seconds=time.perf_counter() - started,
    )


# --------------------------------------------------------------------------- player models
@dataclass
class PlayerTask:
    """One player's labelled rows for one stat, with the global predictions to blend with."""

    stat: str
    player_id: int
    rows: pd.DataFrame
    features: list[str]
    global_valid: pd.Series
    global_test: pd.Series | None


@dataclass
class PlayerResult:
    """The winner on the player's validation games and what it produced."""

    stat: str
    player_id: int
    winner: str
    valid_mae: dict[str, float]
    test_pred: pd.Series | None
    model: PlayerModel | None


def fit_player(_shared: Any, task: PlayerTask, config: TrainConfig) -> PlayerResult:
    """Pick the player's best shrunk variant on validation; refit it for test and production."""
    split = config.split
    column = target_column(task.stat)
    rows = task.rows
    train = rows[rows["season"] <= split.train_last]
    valid = rows[rows["season"] == split.valid]
    shrink = len(train) / (len(train) + config.shrink_games)
    yv = valid[column].to_numpy(float)
    gv = task.global_valid.reindex(valid.index).to_numpy(float)
    scores = {"global": float(np.mean(np.abs(gv - yv)))}
    estimators = {}
    monotone = monotone_features(column, task.features)
    for kind in config.player_kinds:
        params = {"monotone_constraints": monotone} if kind == "xgboost" else None
        model = make_estimator(kind, size="player", params=params).fit(
            as_matrix(train, task.features), train[column].to_numpy(float)
        )
        if not respects_monotone(model, task.features, monotone):
            continue
        own = model.predict(as_matrix(valid, task.features))
        blended = np.maximum(shrink * own + (1 - shrink) * gv, 0.0)
        scores[kind] = float(np.mean(np.abs(blended - yv)))
        estimators[kind] = model
    winner = min(scores, key=scores.__getitem__)
    if scores[winner] > scores["global"] * (1.0 - config.min_player_gain):
        winner = "global"
    if winner == "global":
        return PlayerResult(task.stat, task.player_id, winner, scores, task.global_test, None)

    test_pred = None
    if task.global_test is not None and split.test:
        before = rows[rows["season"] <= split.valid]
        test = rows[rows["season"] == split.test]
        refit = clone(estimators[winner]).fit(
            as_matrix(before, task.features), before[column].to_numpy(float)
        )
        own = refit.predict(as_matrix(test, task.features))
        gt = task.global_test.reindex(test.index).to_numpy(float)
        test_pred = pd.Series(np.maximum(shrink * own + (1 - shrink) * gt, 0.0), index=test.index)
    production = estimators[winner]
    if config.refit_production:
        production = clone(estimators[winner]).fit(
            as_matrix(rows, task.features), rows[column].to_numpy(float)
        )
    player = PlayerModel(production, winner, shrink, len(train), scores[winner], scores["global"])
    return PlayerResult(task.stat, task.player_id, winner, scores, test_pred, player)


def player_tasks(
    frame: pd.DataFrame, fits: dict[str, GlobalFit], config: TrainConfig
) -> list[tuple[str, tuple[Any, ...]]]:
    """(player, stat) tasks for players with `min_games` games before the validation season."""
    split = config.split
    stats = [s for s in (config.player_stats or config.stats) if s in fits]
    history = frame[frame["season"] <= split.train_last]
    games = history.groupby("player_id").size()
    eligible = set(games[games >= config.min_games].index)
    # Only players still playing in the season the models are for (test or latest) matter.
    latest = split.test or str(frame["season"].max())
    eligible &= set(frame.loc[frame["season"] == latest, "player_id"])
    if config.players:
        eligible &= set(config.players)
    tasks = []
    by_player = {pid: rows for pid, rows in frame.groupby("player_id") if pid in eligible}
    for stat in stats:
        fit = fits[stat]
        column = target_column(stat)
        keep = ["season", "game_date", column, *fit.features]
        for pid, rows in by_player.items():
            labelled_rows = rows[rows[column].notna()][keep]
            if (labelled_rows["season"] == split.valid).sum() < 10:
                continue
            task = PlayerTask(
                stat, int(pid), labelled_rows, fit.features, fit.valid_pred, fit.test_pred
            )
            tasks.append((f"{stat}:{pid}", (task, config)))
    return tasks


# --------------------------------------------------------------------------- the run
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

    outcomes = run_tasks(
        _global_task,
        [(stat, (stat, config)) for stat in config.stats],
        config=config,
        description="global models",
        shared=frame,
    )
    fits = {o.key: o.result for o in outcomes if o.error is None}
    failures = [o for o in outcomes if o.error is not None]
    seconds["global"] = time.perf_counter() - started
    correlation = residual_correlation(frame, fits) if fits else pd.DataFrame()

    results: list[PlayerResult] = []
    if config.per_player and fits:
        started_players = time.perf_counter()
        outcomes = run_tasks(
            fit_player,
            player_tasks(frame, fits, config),
            config=config,
            description="player models",
        )
        results = [o.result for o in outcomes if o.error is None]
        failures += [o for o in outcomes if o.error is not None]
        seconds["players"] = time.perf_counter() - started_players

    trained_through = str(pd.to_datetime(frame["game_date"]).max().date())
    models = _bundles(fits, results, correlation, config, version, trained_through)
    line_predictions = None
    if lines is not None and fits:
        started_lines = time.perf_counter()
        line_predictions = price_lines(frame, lines, fits, correlation, config)
        _attach_market_models(models, line_predictions)
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
                scope="global",
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
                    scope="player",
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


# --------------------------------------------------------------------------- lines
def lines_predictor(fits: dict[str, GlobalFit], correlation: pd.DataFrame) -> Predictor:
    """A predictor over the models fitted before the line season (no calibration yet)."""
    models = [
        StatModel(
            stat=s,
            scope="global",
            variant=f.variant,
            features=f.features,
            spread=f.spread,
            estimator=f.lines_estimator,
            version="lines",
        )
        for s, f in fits.items()
    ]
    predictor = Predictor.from_models(models)
    predictor.correlation = correlation
    return predictor


def price_lines(
    frame: pd.DataFrame,
    lines: pd.DataFrame,
    fits: dict[str, GlobalFit],
    correlation: pd.DataFrame,
    config: TrainConfig,
) -> pd.DataFrame:
    """Model, calibrated and market-aware P(over) for settled lines of the line season.

    `lines` holds player_id, game_date, stat, line, p_market and over (1/0, NaN for pushes and
    void bets). Calibrators and stacking weights are fitted on the rows dated before
    `config.line_cutoff` (all rows when None) and applied to every row; `period` says which.
    """
    predictor = lines_predictor(fits, correlation)
    keyed = frame.assign(_day=pd.to_datetime(frame["game_date"]).dt.normalize())
    keyed = keyed[keyed["season"] >= config.lines_season]
    priced = lines.assign(_day=pd.to_datetime(lines["game_date"]).dt.normalize())
    priced = priced[priced["over"].notna()]
    parts = []
    for stat, group in priced.groupby("stat"):
        components = [COLUMN_STAT[c] for c in STATS[str(stat)].columns]
        if not all(c in fits for c in components):
            continue
        rows = group.merge(
            keyed.drop(columns=["stat", "line"], errors="ignore"),
            on=["player_id", "_day"],
            how="inner",
            suffixes=("", "_frame"),
        )
        if rows.empty:
            continue
        pricing = predictor.price(rows, str(stat))
        over, under, _ = split_line(
            pricing.family[0] if len(set(pricing.family)) == 1 else "normal",
            pricing.mean,
            pricing.variance,
            rows["line"].to_numpy(float),
            pricing.lattice,
        )
        if len(set(pricing.family)) > 1:
            for fam in set(pricing.family):
                mask = np.array([f == fam for f in pricing.family])
                o, u, _ = split_line(
                    fam,
                    pricing.mean[mask],
                    pricing.variance[mask],
                    rows["line"].to_numpy(float)[mask],
                    pricing.lattice,
                )
                over[mask], under[mask] = o, u
        parts.append(
            pd.DataFrame(
                {
                    "player_id": rows["player_id"].to_numpy(),
                    "game_date": rows["_day"].to_numpy(),
                    "stat": stat,
                    "bookmaker": rows.get("bookmaker", pd.Series("", index=rows.index)).to_numpy(),
                    "line": rows["line"].to_numpy(float),
                    "mean": pricing.mean,
                    "p_market": rows["p_market"].to_numpy(float),
                    "over": rows["over"].to_numpy(float),
                    "p_model": np.clip(over / np.maximum(over + under, 1e-12), 1e-4, 1 - 1e-4),
                }
            )
        )
    if not parts:
        return pd.DataFrame()
    result = pd.concat(parts, ignore_index=True)
    cutoff = pd.Timestamp(config.line_cutoff) if config.line_cutoff else None
    result["period"] = (
        "calibration"
        if cutoff is None
        else np.where(result["game_date"] < cutoff, "calibration", "evaluation")
    )
    calibrators, stacker = CalibratorRegistry(), MarketStacker()
    for stat, group in result[result["period"] == "calibration"].groupby("stat"):
        calibrators.fit(str(stat), group["p_model"], group["over"])
        # Stacked on the raw model logit: the logistic fit is itself a (Platt) calibration, and
        # isotonic values fitted on these same rows would flatter the model to the stacker.
        stacker.fit(str(stat), group["p_model"], group["p_market"], group["over"])
    result["p_calibrated"] = np.nan
    result["p_market_aware"] = np.nan
    for stat, index in result.groupby("stat").groups.items():
        raw = result.loc[index, "p_model"]
        result.loc[index, "p_calibrated"] = calibrators.calibrate(str(stat), raw)
        result.loc[index, "p_market_aware"] = stacker.combine(
            str(stat), raw, result.loc[index, "p_market"]
        )
    result.attrs["calibrators"] = calibrators
    result.attrs["stacker"] = stacker
    return result


def _attach_market_models(models: list[StatModel], priced: pd.DataFrame) -> None:
    """Store each line stat's calibrator and stacking weights in the owning global bundle."""
    if priced.empty:
        return
    calibrators: CalibratorRegistry = priced.attrs["calibrators"]
    stacker: MarketStacker = priced.attrs["stacker"]
    owners = {m.stat: m for m in models if m.scope == "global"}
    for stat in set(calibrators.calibrators) | set(stacker.weights):
        owner = owners.get(LINE_STATS_OWNER.get(stat, stat))
        if owner is None:
            continue
        if stat in calibrators.calibrators:
            owner.calibrators[stat] = calibrators.calibrators[stat]
        if stat in stacker.weights:
            owner.stacks[stat] = stacker.weights[stat]
