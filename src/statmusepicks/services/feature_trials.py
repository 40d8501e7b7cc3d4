"""Use case: does a candidate feature block help the stat models out of time?

Each arm trains a small version of the quick configuration (XGBoost alone, trained on
2022-23 .. 2023-24 and selected on 2024-25: a few CPU-minutes an arm) on the stored feature
frame, with or without the candidate columns, and is scored where neither arm was fitted or
tuned: point MAE on every 2025-26 player-game, and P(over) on the real 2025-26 main lines from
`line_cutoff` on (calibrators fitted on the lines before it). The paired bootstrap interval of
the Brier difference says whether a gain is more than noise; a candidate is kept only when
that whole interval favours it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from statmusepicks.core.errors import DataError
from statmusepicks.evaluation.metrics import probability_scores
from statmusepicks.evaluation.paired import paired_comparison
from statmusepicks.features.impact import impact_ratings
from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.minutes import minutes_projection
from statmusepicks.models.dataset import SeasonSplit, target_column
from statmusepicks.models.estimators import as_matrix
from statmusepicks.models.train_config import quick_config
from statmusepicks.models.training import TrainingRun, train_models

BASELINE = "baseline"
TEST_SEASON = "2025-26"
FIRST_SEASON = "2022-23"
LINE_STATS = ("points", "rebounds", "assists", "threes")
POOLED = "all line stats"
LINE_KEYS = ("stat", "player_id", "game_date", "bookmaker", "line")


def train_arm(frame: pd.DataFrame, lines: pd.DataFrame, line_cutoff: dt.date) -> TrainingRun:
    config = replace(
        quick_config(),
        split=SeasonSplit(train_first=FIRST_SEASON, train_last="2023-24", valid="2024-25", test=""),
        kinds=("xgboost",),
        variants=("xgboost",),
        stats=LINE_STATS,
        line_cutoff=line_cutoff,
        use_ray=False,
        progress=False,
    )
    return train_models(frame, config, lines)


def _point_mae(run: TrainingRun) -> dict[str, float]:
    rows = run.frame[run.frame["season"] == TEST_SEASON]
    scores = {}
    for stat, fit in run.fits.items():
        column = target_column(stat)
        known = rows[rows[column].notna()]
        predicted = np.maximum(fit.lines_estimator.predict(as_matrix(known, fit.features)), 0.0)
        scores[stat] = float(np.mean(np.abs(predicted - known[column].to_numpy(float))))
    return scores


def scored_lines(run: TrainingRun) -> pd.DataFrame:
    priced = run.line_predictions
    if priced is None or priced.empty:
        return pd.DataFrame()
    scored = priced[priced["period"] == "evaluation"]
    return scored.sort_values(list(LINE_KEYS), kind="mergesort").reset_index(drop=True)


def line_scores(mine: pd.DataFrame, theirs: pd.DataFrame) -> dict[str, float]:
    """Brier, log loss and ECE of both probabilities, and the paired calibrated-Brier gain."""
    row: dict[str, float] = {}
    for label, column in (("model", "p_model"), ("calibrated", "p_calibrated")):
        for metric, value in probability_scores(mine["over"], mine[column]).items():
            row[f"{label}_{metric}"] = value
    paired = paired_comparison(mine["over"], theirs["p_calibrated"], mine["p_calibrated"])
    row["brier_gain"] = paired.difference
    row["gain_low"], row["gain_high"] = paired.ci95 or (np.nan, np.nan)
    return row


def candidate_blocks(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The candidate feature blocks of every logged player-game, keyed by player and date."""
    inputs = prepare_inputs(player_logs, team_logs)
    keys = pd.DataFrame(
        {
            "player_id": inputs.targets["player_id"].to_numpy(),
            "game_date": pd.to_datetime(inputs.targets["day"].to_numpy(), unit="D"),
        }
    )
    return {
        "minutes": pd.concat([keys, minutes_projection(inputs)], axis=1),
        "impact": pd.concat([keys, impact_ratings(inputs)], axis=1),
    }


def feature_trial(
    frame: pd.DataFrame,
    candidates: dict[str, pd.DataFrame],
    lines: pd.DataFrame,
    *,
    line_cutoff: dt.date,
) -> pd.DataFrame:
    """One row per (arm, stat): test MAE, line Brier/log loss, and the paired Brier gain.

    `frame` is the feature frame; each candidate holds player_id, game_date and extra `f_`
    columns for the same player-games (`candidate_blocks`).
    """
    base = frame[frame["season"] >= FIRST_SEASON].reset_index(drop=True)
    keys = base[["player_id", "game_date"]].assign(
        game_date=lambda f: pd.to_datetime(f["game_date"])
    )
    arms = {BASELINE: base}
    for name, extra in candidates.items():
        extra = extra.assign(game_date=pd.to_datetime(extra["game_date"]))
        columns = keys.merge(extra, on=["player_id", "game_date"], how="left", validate="1:1")
        arms[name] = pd.concat([base, columns.drop(columns=["player_id", "game_date"])], axis=1)
    results, reference = [], None
    for name, arm in arms.items():
        run = train_arm(arm, lines, line_cutoff)
        mae = _point_mae(run)
        scored = scored_lines(run)
        if reference is None:
            reference = scored
        # Both arms price the same lines from the same rows, so the sorted keys line up.
        if not scored[list(LINE_KEYS)].equals(reference[list(LINE_KEYS)]):
            raise DataError("the arms priced different lines", details={"arm": name})
        for stat in [*run.fits, POOLED]:
            chosen = scored["stat"] == stat if stat != POOLED else scored["stat"].notna()
            row = {
                "arm": name,
                "stat": stat,
                "test_mae": mae.get(stat, np.nan),
                "selected": ",".join(f for f in run.fits[stat].features if f not in base.columns)
                if stat in run.fits
                else "",
            }
            row.update(line_scores(scored[chosen], reference[chosen]))
            results.append(row)
    return pd.DataFrame(results)
