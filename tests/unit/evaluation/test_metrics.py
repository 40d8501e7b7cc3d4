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


def test_scores_equal_their_definitions_computed_directly() -> None:
    rng = np.random.default_rng(11)
    y = (rng.uniform(size=5_000) < 0.45).astype(float)
    p = rng.uniform(size=y.size)
    p[:3] = [0.0, 1.0, 1e-9]
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    assert brier(y, p) == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
    assert log_loss(y, p) == pytest.approx(
        -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)), rel=1e-12
    )
    assert mae(y, p) == pytest.approx(np.mean(np.abs(y - p)), rel=1e-12)
    assert rmse(y, p) == pytest.approx(np.sqrt(np.mean((y - p) ** 2)), rel=1e-12)


def test_one_sided_outcomes_still_score() -> None:
    assert brier([0, 0], [0.2, 0.4]) == pytest.approx(0.1)
    assert log_loss([1, 1], [0.5, 0.5]) == pytest.approx(np.log(2))


@pytest.mark.parametrize("score", [brier, log_loss, mae, rmse])
def test_no_rows_or_a_missing_value_score_nan(score) -> None:
    assert np.isnan(score([], []))
    assert np.isnan(score([0, 1], [0.5, np.nan]))
