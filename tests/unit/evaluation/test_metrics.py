"""Probability and point scores behave as their definitions say."""

from __future__ import annotations

import numpy as np
import pytest

from statmusepicks.evaluation.metrics import (
    brier,
    expected_calibration_error,
    log_loss,
    mae,
    reliability_table,
    rmse,
)


def test_a_coin_scores_a_quarter_brier_and_log_two() -> None:
    outcomes = np.array([0, 1] * 50)
    assert brier(outcomes, np.full(100, 0.5)) == pytest.approx(0.25)
    assert log_loss(outcomes, np.full(100, 0.5)) == pytest.approx(np.log(2))


def test_a_perfectly_calibrated_forecast_has_near_zero_ece_and_an_overconfident_one_does_not() -> (
    None
):
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 200_000)
    y = rng.uniform(0, 1, p.size) < p
    assert expected_calibration_error(y, p) < 0.01
    overconfident = np.clip(0.5 + 1.6 * (p - 0.5), 0, 1)
    assert expected_calibration_error(y, overconfident) > 0.05


def test_reliability_table_has_every_bin_and_counts_every_row() -> None:
    table = reliability_table([0, 1, 1], [0.05, 0.55, 0.95], bins=10)
    assert len(table) == 10
    assert table["count"].sum() == 3


def test_mae_and_rmse() -> None:
    assert mae([1, 2, 3], [2, 2, 2]) == pytest.approx(2 / 3)
    assert rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))
