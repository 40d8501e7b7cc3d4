"""Use case: fit the minutes model and score it out of time against minutes baselines.

Two walk-forward periods, each fitted only on the regular seasons before it: the validation
season (where the design was chosen) and the test season (reported, never tuned on). On the
same rows it scores the baselines a bettor would use: the last-10 average and the
season-to-date average (each falling back to broader windows exactly as the design does), and
the share of games inside the projected 10th-90th percentile range (0.80 when calibrated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from statmusepicks.features.inputs import prepare_inputs
from statmusepicks.features.minutes import MinutesWeights, fit_minutes_weights, minutes_design

FIRST_SEASON = "2016-17"
PERIODS = (("validation", "2024-25"), ("test", "2025-26"))


@dataclass(frozen=True)
class MinutesReport:
    """Out-of-time scores per period, and the weights fitted before the last period."""

    table: pd.DataFrame
    weights: MinutesWeights


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
    """Fit on the seasons before each period, score the period; return the last fit too."""
    rows = minutes_rows(player_logs, team_logs)
    rows = rows[rows["season_label"] >= FIRST_SEASON]
    table: list[dict[str, object]] = []
    weights = None
    for period, season in PERIODS:
        before = rows[rows["season_label"] < season]
        weights = fit_minutes_weights(before, before["played"].to_numpy(float))
        scored = rows[rows["season_label"] == season]
        last_date = scored["game_date"].max().date() if len(scored) else None
        table.append({"period": period, "season": season, "through": str(last_date)})
        table[-1].update(_scores(scored, weights))
    assert weights is not None
    return MinutesReport(pd.DataFrame(table), weights)
