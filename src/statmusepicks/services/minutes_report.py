"""Use case: fit the minutes model walk-forward and score it out of time against baselines.

The fit gives one set of weights per season, each fitted only on the regular seasons before it
(the table the feature code freezes). Two periods are scored with them: the validation
season (where the design was chosen) and the test season (reported, never tuned on). On the
same rows it scores the baselines a bettor would use: the last-10 average and the
season-to-date average (each falling back to broader windows exactly as the design does), and
the share of games inside the projected 10th-90th percentile range (0.80 when calibrated).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.minutes import (
    FIRST_FIT_SEASON,
    WEIGHTS_BY_SEASON,
    WEIGHTS_PATH,
    MinutesWeights,
    fit_weights_by_season,
    minutes_design,
    save_weights_table,
)

PERIODS = (("validation", "2024-25"), ("test", "2025-26"))


@dataclass(frozen=True)
class MinutesReport:
    """Out-of-time scores per period, and the walk-forward weights of every season."""

    table: pd.DataFrame
    weights_by_season: dict[str, MinutesWeights]


def minutes_rows(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> pd.DataFrame:
    """The design of every logged player-game with its season, date and minutes played."""
    inputs = prepare_inputs(player_logs, team_logs)
    design = minutes_design(inputs)
    design["season_label"] = inputs.targets["season"].to_numpy()
    design["game_date"] = pd.to_datetime(inputs.targets["day"].to_numpy(), unit="D")
    design["played"] = inputs.targets["min"].to_numpy(float)
    return design


def _scores(rows: pd.DataFrame, weights: MinutesWeights) -> dict[str, float]:
    projected = weights.project(rows)
    played = rows["played"].to_numpy(float)
    inside = (played >= projected["minutes_p10"]) & (played <= projected["minutes_p90"])
    return {
        "rows": float(len(rows)),
        "model_mae": float(np.mean(np.abs(projected["minutes"] - played))),
        "last10_mae": float(np.mean(np.abs(rows["sma10"] - played))),
        "season_avg_mae": float(np.mean(np.abs(rows["season"] - played))),
        "p10_p90_coverage": float(np.mean(inside)),
        "mean_sd": float(projected["minutes_sd"].mean()),
    }


def minutes_report(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> MinutesReport:
    """Fit every season on the seasons before it and score the report's periods."""
    rows = minutes_rows(player_logs, team_logs)
    rows = rows[rows["season_label"] >= FIRST_FIT_SEASON]
    weights_by_season = fit_weights_by_season(rows)
    table: list[dict[str, object]] = []
    for period, season in PERIODS:
        scored = rows[rows["season_label"] == season]
        last_date = scored["game_date"].max().date() if len(scored) else None
        table.append({"period": period, "season": season, "through": str(last_date)})
        table[-1].update(_scores(scored, weights_by_season[season]))
    return MinutesReport(pd.DataFrame(table), weights_by_season)


def _frozen(report: MinutesReport) -> dict[str, MinutesWeights]:
    return {season: weights.rounded() for season, weights in report.weights_by_season.items()}


def frozen_weights_match(report: MinutesReport) -> bool:
    """Whether the table the features read is this fit (rounded as frozen)."""
    return _frozen(report) == WEIGHTS_BY_SEASON


def freeze_weights(report: MinutesReport) -> Path:
    """Write the report's walk-forward weights as the table the features read; its path.

    The next `statmusepicks train` rebuilds the feature store: the table is feature code.
    """
    save_weights_table(_frozen(report))
    return WEIGHTS_PATH
