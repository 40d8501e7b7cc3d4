"""Use cases: train models (quick or full), register them, and manage the registry.

The CLI and `make run` call these. Training reads the feature store (built on first use from
the loaded logs), the real prop lines for calibration, fans the work out with Ray, registers
every model in MLflow (mirrored to disk and the `models` table) and writes a training report.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from statmusepicks.core.errors import NotFoundError, ValidationError
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.core.stats import (
    BASE_STATS,
    CHAMPION,
    GLOBAL_SCOPE,
    PLAYER_SCOPE,
    STATS,
    resolve_stat,
)
from statmusepicks.data.ingest.bundled import read_player_logs, read_prop_lines, read_team_logs
from statmusepicks.data.ingest.daily import today_eastern
from statmusepicks.evaluation.baselines import POINT_BASELINES, market_lines, point_baselines
from statmusepicks.evaluation.metrics import probability_scores
from statmusepicks.evaluation.reports import write_tables
from statmusepicks.features.store import build_store, current_feature_set, load_store
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.dataset import target_column, write_snapshot
from statmusepicks.models.registry import CHALLENGER, ModelRegistry, load_champions
from statmusepicks.models.train_config import TrainConfig, quick_config
from statmusepicks.models.training import TrainingRun, train_models
from statmusepicks.services.container import Container, build_container

log = get_logger(__name__)
LINES_SEASON = "2025-26"


@dataclass
class TrainingSummary:
    """What a training run registered and where its report is."""

    versions: dict[str, str]
    seconds: dict[str, float]
    failures: list[str]
    report: dict[str, Path] = field(default_factory=dict)
    tuned: dict[str, dict[str, Any]] = field(default_factory=dict)


def feature_frame(container: Container) -> tuple[pd.DataFrame, str]:
    """The latest feature set (built from the bundled logs first if none exists) and its version.

    A set built by other feature code raises DataError naming `statmusepicks features build`:
    its logs may be the database's, which only the build command knows to read.
    """
    try:
        info = current_feature_set(container.engine)
    except NotFoundError:
        data_dir = container.settings.bundled_data_dir
        info = build_store(
            read_player_logs(data_dir),
            read_team_logs(data_dir),
            settings=container.settings,
            engine=container.engine,
        )
    return load_store(container.engine, version=info.version), info.version


def line_history(settings: Settings, season: str = LINES_SEASON) -> pd.DataFrame:
    """Settled main lines of the line season, de-vigged per book."""
    return market_lines(read_prop_lines(settings.bundled_data_dir), season=season)


def rows_before(rows: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The rows whose `game_date` is before `cutoff`."""
    return rows[pd.to_datetime(rows["game_date"]) < cutoff].reset_index(drop=True)


def parse_stats(names: list[str] | None, default: tuple[str, ...] = BASE_STATS) -> tuple[str, ...]:
    """Canonical single-stat names (combos are priced from their parts, never trained)."""
    if not names:
        return default
    keys = tuple(dict.fromkeys(resolve_stat(n).key for n in names))
    combos = [k for k in keys if STATS[k].is_combo or k == "minutes"]
    if combos:
        raise ValidationError(
            f"{', '.join(combos)} cannot be trained: combos come from their components",
            details={"trainable": list(BASE_STATS)},
        )
    return keys


def _line_metrics(run: TrainingRun) -> dict[str, dict[str, float]]:
    priced = run.line_predictions
    if priced is None or priced.empty:
        return {}
    metrics: dict[str, dict[str, float]] = {}
    for stat, group in priced.groupby("stat"):
        for column, label in (
            ("p_model", "lines"),
            ("p_calibrated", "lines_calibrated"),
            ("p_market", "lines_market"),
        ):
            scores = probability_scores(group["over"], group[column])
            metrics.setdefault(str(stat), {}).update(
                {f"{label}_{k}": float(v) for k, v in scores.items() if k != "n"}
                | {"lines_n": float(scores["n"])}
            )
    return metrics


def training_report(run: TrainingRun, player_logs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per stat (global) and per player and stat: every variant's validation MAE and baselines."""
    frame = run.frame
    rows = []
    player_rows = []
    for stat, fit in run.fits.items():
        column = target_column(stat)
        valid = frame.loc[fit.valid_pred.index, ["player_id", "game_id", column]]
        base = point_baselines(player_logs, column)
        joined = valid.assign(game_id=valid["game_id"].astype(str), pred=fit.valid_pred).merge(
            base, on=["player_id", "game_id"], how="left"
        )
        row: dict[str, Any] = {
            "stat": stat,
            "scope": GLOBAL_SCOPE,
            "chosen": fit.variant,
            "rows": len(joined),
            "features": len(fit.features),
            "spread": fit.spread.family,
            "seconds": round(fit.seconds, 1),
            "tuning_seconds": round(fit.tuning_seconds, 1),
        }
        row |= {f"mae_{k}": v for k, v in fit.variant_scores.items()}
        complete = joined.dropna(subset=list(POINT_BASELINES))
        row |= {
            f"mae_{b}": float(np.mean(np.abs(complete[b] - complete[column])))
            for b in POINT_BASELINES
        }
        row["mae_model_same_rows"] = float(np.mean(np.abs(complete["pred"] - complete[column])))
        rows.append(row)
        for result in (r for r in run.players if r.stat == stat):
            mine = complete[complete["player_id"] == result.player_id]
            player_rows.append(
                {
                    "stat": stat,
                    "player_id": result.player_id,
                    "winner": result.winner,
                    **{f"mae_{k}": v for k, v in result.valid_mae.items()},
                    **{
                        f"mae_{b}": float(np.mean(np.abs(mine[b] - mine[column])))
                        for b in POINT_BASELINES
                    },
                }
            )
    tables = {"global_models": pd.DataFrame(rows)}
    if player_rows:
        tables["player_models"] = pd.DataFrame(player_rows)
    if run.failures:
        tables["failures"] = pd.DataFrame(
            [{"task": f.key, "error": (f.error or "").splitlines()[-1]} for f in run.failures]
        )
    return tables


def _alias_for(model: StatModel) -> str:
    """Player models start as challengers: out of time they have not beaten the global model.

    `statmusepicks evaluate` measured points MAE on 2024-25 of 4.512 served with player models
    against 4.486 for the global model alone (docs/modelling.md); `models promote` serves them.
    """
    return CHALLENGER if model.scope == PLAYER_SCOPE else "auto"


def train(
    container: Container,
    *,
    stats: list[str] | None = None,
    players: list[int] | None = None,
    trials: int = 0,
    quick: bool = False,
    progress: bool = True,
    config: TrainConfig | None = None,
    as_of: dt.datetime | None = None,
    lines: pd.DataFrame | None = None,
    alias: str | None = None,
) -> TrainingSummary:
    """Train, register and report. `trials` > 0 tunes each stat's XGBoost with Optuna first.

    With `as_of`, only rows dated before its day (New York) are read: feature rows, the prop
    lines that fit calibration, the box scores of the report, as a model trained that day saw.
    `lines` replaces the bundled calibration lines; `alias` forces every version's alias
    (the weekly retrain registers challengers only).
    """
    settings = container.settings
    started = time.perf_counter()
    chosen = parse_stats(stats)
    frame, store_version = feature_frame(container)
    # Settled lines for calibration (`market_lines` columns); the bundled season by default.
    lines = line_history(settings) if lines is None else lines
    player_logs = read_player_logs(settings.bundled_data_dir)
    if as_of is not None:
        cutoff = pd.Timestamp(today_eastern(as_of))
        frame, lines, player_logs = (
            rows_before(rows, cutoff) for rows in (frame, lines, player_logs)
        )
    if config is None:
        base = quick_config() if quick else TrainConfig()
        config = replace(
            base,
            stats=chosen,
            players=tuple(players) if players else None,
            ray_address=settings.ray_address,
            progress=progress,
        )
    if trials > 0:
        # Each stat's study runs in its global-fit task, side by side with the other stats'.
        config = replace(config, trials=trials, tuning_storage=settings.database_url)
    if not config.quick:
        write_snapshot(frame, settings.var_dir / "datasets", feature_code_version=store_version)
    run = train_models(frame, config, lines if len(lines) else None)
    tuned = {stat: fit.tuned for stat, fit in run.fits.items() if fit.tuned}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    report = write_tables(
        training_report(run, player_logs),
        settings.var_dir / "reports" / f"training-{stamp}",
        title=f"Training run {stamp} ({'quick' if config.quick else 'full'})",
        notes=f"Feature set {store_version}; seconds: {run.seconds}",
    )
    registry = ModelRegistry(settings, container.sessions)
    line_metrics = _line_metrics(run)
    versions = {}
    for model in run.models:
        model.dataset_version = store_version
        if model.scope == GLOBAL_SCOPE:
            model.metrics |= line_metrics.get(model.stat, {})
        if model.stat in tuned:
            model.params = {
                **model.params,
                **{f"tuned_{k}": v for k, v in tuned[model.stat].items()},
            }
        versions[model.name] = registry.register(
            model, artifacts={"report": report["report"]}, promote=alias or _alias_for(model)
        )
    seconds = {**run.seconds, "wall": time.perf_counter() - started}
    return TrainingSummary(versions, seconds, [f.key for f in run.failures], report, tuned)


def train_quick(settings: Settings, *, progress: bool = False) -> TrainingSummary:
    """The default quick training (`statmusepicks train --quick`, `make run` on first start)."""
    container = build_container(settings)
    try:
        return train(container, quick=True, progress=progress)
    finally:
        container.close()


def has_champions(settings: Settings) -> bool:
    """True when at least one champion model is registered."""
    return bool(load_champions(settings))


def ensure_models(settings: Settings) -> TrainingSummary | None:
    """Train the quick default set when no champion is registered yet (first start)."""
    if has_champions(settings):
        return None
    log.info("no registered model: training the quick default set")
    return train_quick(settings)


# ------------------------------------------------------------------------- registry
def list_models(container: Container) -> list[dict[str, Any]]:
    """One row per registered model: name, champion, challenger, versions."""
    registry = ModelRegistry(container.settings, container.sessions)
    rows = []
    for name in registry.names():
        aliases = registry.aliases(name)
        rows.append(
            {
                "name": name,
                "champion": aliases.get(CHAMPION),
                "challenger": aliases.get(CHALLENGER),
                "versions": len(registry.versions(name)),
            }
        )
    return rows


def show_model(container: Container, name: str) -> dict[str, Any]:
    """Versions, aliases and metrics of one model."""
    return ModelRegistry(container.settings, container.sessions).show(name)


def promote_model(container: Container, name: str, version: str) -> None:
    """Make a version the champion."""
    ModelRegistry(container.settings, container.sessions).promote(name, version)


def rollback_model(container: Container, name: str) -> str:
    """Restore the previous champion; returns its version."""
    return ModelRegistry(container.settings, container.sessions).rollback(name)
