"""Isotonic calibration per stat and logit stacking with the market."""

from __future__ import annotations

import numpy as np
import pytest

from statmusepicks.evaluation.metrics import brier
from statmusepicks.models.calibration import CalibratorRegistry
from statmusepicks.models.market import MARKET_ONLY, MarketStacker, logit


def _overconfident(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0.3, 0.7, n)
    outcome = (rng.random(n) < truth).astype(float)
    stretched = 1 / (1 + np.exp(-3 * logit(truth)))  # three times too sure
    return stretched, outcome


def test_isotonic_calibration_lowers_brier_on_fresh_rows() -> None:
    fit_p, fit_y = _overconfident(4000, 0)
    test_p, test_y = _overconfident(4000, 1)
    registry = CalibratorRegistry().fit("points", fit_p, fit_y)
    assert brier(test_y, registry.calibrate("points", test_p)) < brier(test_y, test_p)


def test_a_stat_without_a_calibrator_passes_probabilities_through() -> None:
    registry = CalibratorRegistry().fit("points", *_overconfident(4000, 0))
    p = np.array([0.2, 0.55])
    assert registry.calibrate("rebounds", p) == pytest.approx(p)


def test_too_few_lines_fit_no_calibrator() -> None:
    registry = CalibratorRegistry().fit("points", [0.4, 0.6], [0, 1])
    assert not registry.has("points")


def test_stacking_leans_on_the_better_informed_source() -> None:
    rng = np.random.default_rng(3)
    truth = rng.uniform(0.25, 0.75, 8000)
    outcome = (rng.random(8000) < truth).astype(float)
    market = 1 / (1 + np.exp(-(logit(truth) + rng.normal(0, 0.1, 8000))))
    model = 1 / (1 + np.exp(-(logit(truth) + rng.normal(0, 0.8, 8000))))
    stacker = MarketStacker().fit("points", model, market, outcome)
    weights = stacker.weights_for("points")
    assert weights.market > weights.model > 0
    combined = stacker.combine("points", model, market)
    assert np.all((combined > 0) & (combined < 1))


def test_without_fitted_weights_the_market_price_is_returned() -> None:
    stacker = MarketStacker()
    assert stacker.weights_for("threes") == MARKET_ONLY
    assert stacker.combine("threes", [0.9], [0.45])[0] == pytest.approx(0.45, abs=1e-6)
