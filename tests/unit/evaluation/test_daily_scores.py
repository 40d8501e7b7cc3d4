"""Stored days pool into exactly the scores of their predictions taken together."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.evaluation.daily_scores import day_scores, window_scores
from statmusepicks.evaluation.metrics import brier, expected_calibration_error


def _day(rng: np.random.Generator, n: int) -> pd.DataFrame:
    p = rng.uniform(0.05, 0.95, n)
    over = rng.random(n) < p
    bet = np.where(p > 0.5, "OVER", "UNDER")
    won = (bet == "OVER") == over
    return pd.DataFrame(
        {
            "p_over": p,
            "result": np.where(over, "over", "under"),
            "recommendation": bet,
            "profit": np.where(won, 0.9091, -1.0),
            "clv": np.nan,
            "p_market": np.where(np.arange(n) % 2 == 0, 0.5, np.nan),
        }
    )


def test_a_window_of_days_equals_the_pooled_predictions() -> None:
    rng = np.random.default_rng(5)
    days = [_day(rng, n) for n in (40, 7, 120)]
    pooled = pd.concat(days, ignore_index=True)
    window = window_scores([day_scores(day) for day in days])
    direct = day_scores(pooled)
    outcome = (pooled["result"] == "over").to_numpy(float)

    assert window["ece"] == pytest.approx(expected_calibration_error(outcome, pooled["p_over"]))
    assert window["ece"] == pytest.approx(direct["ece"])
    assert window["brier"] == pytest.approx(brier(outcome, pooled["p_over"]))
    assert window["roi"] == pytest.approx(direct["roi"])
    assert window["market_brier"] == pytest.approx(direct["market_brier"])
    assert window["model_brier_on_market"] == pytest.approx(direct["model_brier_on_market"])
    assert window["clv"] is None


def test_pushes_are_bets_but_not_decided_and_ungraded_rows_are_not_scored() -> None:
    frame = pd.DataFrame(
        {
            "p_over": [0.6, 0.6, 0.6],
            "result": ["over", "push", None],
            "recommendation": ["OVER", "OVER", "OVER"],
            "profit": [0.9091, 0.0, None],
            "clv": [0.02, 0.04, None],
            "p_market": [np.nan, np.nan, np.nan],
        }
    )
    scores = day_scores(frame)
    assert (scores["predictions"], scores["graded"], scores["settled"]) == (3, 2, 1)
    assert (scores["bets"], scores["wins"], scores["losses"]) == (2, 1, 0)
    assert scores["roi"] == pytest.approx(0.9091 / 2)
    assert scores["clv"] == pytest.approx(0.03)
    assert scores["market_matched"] == 0
    assert scores["market_brier"] is None
