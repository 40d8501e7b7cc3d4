"""Use case: the honest evaluation printed by `statmusepicks evaluate`.

(a) Point predictions on the 2024-25 test season for every base stat, from models trained to
2022-23 and selected on 2023-24 (then refitted through 2023-24), next to the season-to-date,
last-10 and EMA baselines on the same rows. (b) Probabilities on the real 2025-26 prop lines
(each book's main line, de-vigged per book) from models fitted on seasons before 2025-26 only:
calibrators and stacking weights are fitted on the lines before `line_cutoff` and every score is
on the lines from `line_cutoff` on, next to the de-vigged market on the same props.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from statmusepicks.core.stats import BASE_STATS
from statmusepicks.data.ingest.bundled import read_player_logs
from statmusepicks.evaluation.baselines import POINT_BASELINES, point_baselines
from statmusepicks.evaluation.metrics import mae, pit_values, probability_scores
from statmusepicks.evaluation.reports import reliability_diagram, write_tables
from statmusepicks.models.dataset import target_column
from statmusepicks.models.distributions import cdf_bounds
from statmusepicks.models.train_config import TrainConfig, evaluation_config
from statmusepicks.models.training import TrainingRun, train_models
from statmusepicks.services.container import Container
from statmusepicks.services.training import feature_frame, line_history, parse_stats

# Lines before this date calibrate; lines from it on are scored (about 40 % of the season's).
LINE_CUTOFF = dt.date(2025, 11, 1)
# A points MAE this low means future games leaked into the features (docs/modelling.md).
LEAKAGE_ALARM_POINTS_MAE = 4.0
PROBABILITIES = {
    "model": "p_model",
    "calibrated": "p_calibrated",
    "market_aware": "p_market_aware",
    "market": "p_market",
}


@dataclass
class EvaluationResult:
    """The figures `statmusepicks evaluate` prints, and where the report files went."""

    points: pd.DataFrame
    distributions: pd.DataFrame
    lines: pd.DataFrame
    stacking: pd.DataFrame
    seconds: dict[str, float]
    alarms: list[str] = field(default_factory=list)
    paths: dict[str, Path] = field(default_factory=dict)


def point_table(run: TrainingRun, frame: pd.DataFrame, player_logs: pd.DataFrame) -> pd.DataFrame:
    """Test-season MAE of the served model and of each baseline, on the same rows.

    `served` is what serving answers with: the global champion (per-player models are
    registered as challengers, docs/modelling.md). `with_player_models` is the challenger path
    (player model where one exists, global otherwise); both gains are against the best baseline.
    """
    rows = []
    for stat, fit in run.fits.items():
        if fit.test_pred is None:
            continue
        column = target_column(stat)
        test = frame.loc[fit.test_pred.index, ["player_id", "game_id", column]]
        with_players = fit.test_pred.copy()
        for result in run.players:
            if result.stat == stat and result.model is not None and result.test_pred is not None:
                with_players.loc[result.test_pred.index] = result.test_pred
        joined = test.assign(
            game_id=test["game_id"].astype(str),
            served=fit.test_pred,
            with_player_models=with_players,
        )
        joined = joined.merge(
            point_baselines(player_logs, column), on=["player_id", "game_id"], how="left"
        ).dropna(subset=list(POINT_BASELINES))
        scores = {
            name: mae(joined[column], joined[name])
            for name in ("served", "with_player_models", *POINT_BASELINES)
        }
        best = min(POINT_BASELINES, key=scores.__getitem__)
        rows.append(
            {
                "stat": stat,
                "rows": len(joined),
                **scores,
                "best_baseline": best,
                "gain_vs_best_pct": 100.0 * (1.0 - scores["served"] / scores[best]),
                "player_models_gain_pct": 100.0
                * (1.0 - scores["with_player_models"] / scores[best]),
                "variant": fit.variant,
            }
        )
    return pd.DataFrame(rows)


def distribution_table(run: TrainingRun, frame: pd.DataFrame) -> pd.DataFrame:
    """Chosen family, both families' validation scores and the test-season PIT check."""
    rows = []
    rng = np.random.default_rng(0)
    for stat, fit in run.fits.items():
        row = {"stat": stat, "family": fit.spread.family, "a": fit.spread.a, "b": fit.spread.b}
        for family, scores in fit.spread.scores_.items():
            row |= {f"{family}_{k}": v for k, v in scores.items()}
        if fit.test_pred is not None:
            mean = fit.test_pred.to_numpy(float)
            actual = frame.loc[fit.test_pred.index, target_column(stat)].to_numpy(float)
            below, upto = cdf_bounds(fit.spread.family, mean, fit.spread.variance(mean), actual)
            pit = pit_values(below, upto, rng)
            shares = np.histogram(pit, bins=10, range=(0, 1))[0] / len(pit)
            row |= {
                "pit_mean": float(pit.mean()),
                "pit_max_bin_gap": float(np.max(np.abs(shares - 0.1))),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def line_table(priced: pd.DataFrame) -> pd.DataFrame:
    """Brier, log loss and ECE of each forecaster per stat and overall, on the scored lines."""
    scored = priced[priced["period"] == "evaluation"]
    rows = []
    groups = [("all", scored), *((str(s), g) for s, g in scored.groupby("stat"))]
    for stat, group in groups:
        for label, column in PROBABILITIES.items():
            scores = probability_scores(group["over"], group[column])
            rows.append({"stat": stat, "forecast": label, **scores})
    return pd.DataFrame(rows)


def stacking_table(priced: pd.DataFrame) -> pd.DataFrame:
    """The fitted market-stacking weights and calibration rows per stat."""
    stacker = priced.attrs.get("stacker")
    calibrators = priced.attrs.get("calibrators")
    if stacker is None:
        return pd.DataFrame()
    return pd.DataFrame(
        [
            {
                "stat": stat,
                "w_model": w.model,
                "w_market": w.market,
                "intercept": w.intercept,
                "fit_rows": w.rows,
                "calibrated_rows": calibrators.fitted_rows.get(stat, 0),
            }
            for stat, w in sorted(stacker.weights.items())
        ]
    )


def evaluate(
    container: Container,
    *,
    stats: list[str] | None = None,
    line_cutoff: dt.date = LINE_CUTOFF,
    per_player: bool = True,
    player_stats: tuple[str, ...] = ("points",),
    progress: bool = True,
    config: TrainConfig | None = None,
) -> EvaluationResult:
    """Train on the evaluation protocol and score points and line probabilities."""
    settings = container.settings
    started = time.perf_counter()
    frame, store_version = feature_frame(container)
    config = config or replace(
        evaluation_config(),
        stats=parse_stats(stats, BASE_STATS),
        line_cutoff=line_cutoff,
        per_player=per_player,
        ray_address=settings.ray_address,
        progress=progress,
        player_stats=parse_stats(list(player_stats)),
    )
    run = train_models(frame, config, line_history(settings))
    frame = run.frame
    player_logs = read_player_logs(settings.bundled_data_dir)
    points = point_table(run, frame, player_logs)
    priced = run.line_predictions if run.line_predictions is not None else pd.DataFrame()
    lines = line_table(priced) if not priced.empty else pd.DataFrame()
    result = EvaluationResult(
        points=points,
        distributions=distribution_table(run, frame),
        lines=lines,
        stacking=stacking_table(priced) if not priced.empty else pd.DataFrame(),
        seconds={**run.seconds, "wall": time.perf_counter() - started},
    )
    scored = points[points["stat"] == "points"][["served", "with_player_models"]]
    lowest = float(scored.min().min()) if not scored.empty else float("nan")
    if lowest < LEAKAGE_ALARM_POINTS_MAE:
        result.alarms.append(
            f"points MAE {lowest:.3f} < {LEAKAGE_ALARM_POINTS_MAE}: investigate "
            "leakage before trusting any figure"
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    directory = settings.var_dir / "reports" / f"evaluation-{stamp}"
    tables = {
        "points_test_2024_25": points,
        "distributions": result.distributions,
        "lines_2025_26": lines,
        "market_stacking": result.stacking,
    }
    result.paths = write_tables(
        tables,
        directory,
        title=f"Evaluation {stamp}",
        notes=f"Feature set {store_version}; seconds {result.seconds}",
    )
    if not priced.empty:
        scored = priced[priced["period"] == "evaluation"]
        result.paths["reliability"] = reliability_diagram(
            scored["over"],
            {label: scored[col] for label, col in PROBABILITIES.items()},
            directory / "reliability.png",
            title=f"P(over) on 2025-26 lines from {line_cutoff}",
        )
    return result
