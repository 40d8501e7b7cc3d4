"""Paired A/B statistics: a truly better forecaster wins, an equal one does not."""

from __future__ import annotations

import numpy as np
import pytest

from statmusepicks.evaluation.paired import confidence_sequence, paired_comparison


def _props(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0.2, 0.8, n)
    return truth, (rng.uniform(size=n) < truth).astype(float)


def test_a_sharper_challenger_wins_on_brier_and_log_loss() -> None:
    truth, outcome = _props(3000, 1)
    rng = np.random.default_rng(2)
    champion = np.clip(truth + rng.normal(0, 0.15, truth.size), 0.02, 0.98)
    challenger = np.clip(truth + rng.normal(0, 0.02, truth.size), 0.02, 0.98)
    for metric in ("brier", "log_loss"):
        result = paired_comparison(outcome, champion, challenger, metric=metric)
        assert result.difference > 0
        assert result.challenger_better
        assert result.may_stop
        assert result.ci95 is not None
        assert result.sequence is not None
        # The always-valid sequence is wider than the fixed-sample interval.
        assert result.sequence[0] < result.ci95[0]


def test_identical_forecasters_never_look_different() -> None:
    truth, outcome = _props(2000, 3)
    result = paired_comparison(outcome, truth, truth)
    assert result.difference == 0.0
    assert not result.challenger_better
    assert not result.may_stop


def test_a_worse_challenger_may_stop_for_the_champion() -> None:
    truth, outcome = _props(3000, 4)
    rng = np.random.default_rng(5)
    worse = np.clip(truth + rng.normal(0, 0.15, truth.size), 0.02, 0.98)
    result = paired_comparison(outcome, truth, worse)
    assert not result.challenger_better
    assert result.may_stop
    assert result.sequence is not None
    assert result.sequence[1] < 0


def test_the_confidence_sequence_covers_a_null_mean_at_every_look() -> None:
    """Under no difference, the sequence should cover zero at every one of 40 daily looks in
    about 95 % of experiments; re-testing a fixed 95 % interval daily fails far more often."""
    rng = np.random.default_rng(11)
    misses = 0
    experiments = 200
    for _ in range(experiments):
        d = rng.normal(0, 0.05, 4000)
        looks = range(100, 4001, 100)
        if any(not (lo <= 0 <= hi) for lo, hi in (confidence_sequence(d[:t]) for t in looks)):  # type: ignore[misc]
            misses += 1
    assert misses / experiments <= 0.08


def test_too_few_props_give_no_interval() -> None:
    result = paired_comparison([1.0, 0.0], [0.6, 0.4], [0.7, 0.3])
    assert result.ci95 is None
    assert not result.challenger_better
    assert result.n == 2
    assert result.difference == pytest.approx(((0.4**2 + 0.4**2) - (0.3**2 + 0.3**2)) / 2)
