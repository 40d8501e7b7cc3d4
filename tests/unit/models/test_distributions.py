"""Predictive distributions: probabilities add up, pushes only on whole lines, spreads fit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from statmusepicks.models.distributions import (
    PropDistribution,
    SpreadModel,
    combine_components,
    crps,
    log_score,
    negbin_params,
)


@pytest.mark.parametrize("family", ["negbin", "normal"])
@pytest.mark.parametrize("line", [0.5, 3.0, 12.5, 20.0, 35.5])
def test_over_under_and_push_sum_to_one(family: str, line: float) -> None:
    dist = PropDistribution(mean=18.0, variance=40.0, family=family)  # type: ignore[arg-type]
    total = dist.prob_over(line) + dist.prob_under(line) + dist.prob_push(line)
    assert total == pytest.approx(1.0, abs=1e-9)
    no_push_over = dist.prob_over_no_push(line)
    no_push_under = dist.prob_under(line) / (dist.prob_over(line) + dist.prob_under(line))
    assert no_push_over + no_push_under == pytest.approx(1.0)


def test_half_lines_never_push_and_whole_lines_can() -> None:
    dist = PropDistribution(mean=6.0, variance=9.0)
    assert dist.prob_push(6.5) == 0.0
    assert dist.prob_push(6.0) > 0.05


def test_negative_binomial_has_the_requested_mean_and_variance() -> None:
    n, p = negbin_params(np.array([7.5]), np.array([20.0]))
    assert stats.nbinom.mean(n, p)[0] == pytest.approx(7.5)
    assert stats.nbinom.var(n, p)[0] == pytest.approx(20.0)


def test_a_higher_mean_gives_a_higher_over_probability() -> None:
    low = PropDistribution(mean=20.0, variance=45.0)
    high = PropDistribution(mean=24.0, variance=50.0)
    assert high.prob_over(22.5) > low.prob_over(22.5)


def test_fantasy_style_lattice_prices_tenths() -> None:
    dist = PropDistribution(mean=30.0, variance=60.0, family="normal", lattice=0.1)
    assert dist.prob_push(30.5) > 0.0
    assert dist.prob_push(30.55) == 0.0
    assert dist.prob_over(30.0) == pytest.approx(0.5 - dist.prob_push(30.0) / 2, abs=1e-6)


def test_spread_model_recovers_negative_binomial_dispersion() -> None:
    rng = np.random.default_rng(1)
    mean = rng.uniform(2, 25, 6000)
    variance = 1.5 * mean + 0.08 * mean**2
    n, p = negbin_params(mean, variance)
    outcome = rng.negative_binomial(n, p)
    fitted = SpreadModel(family="negbin").fit(mean, outcome)
    assert fitted.variance(np.array([10.0]))[0] == pytest.approx(1.5 * 10 + 0.08 * 100, rel=0.15)


def test_family_choice_prefers_negative_binomial_for_small_overdispersed_counts() -> None:
    rng = np.random.default_rng(2)
    mean = rng.uniform(0.3, 3.0, 6000)
    n, p = negbin_params(mean, mean + 0.5 * mean**2)
    outcome = rng.negative_binomial(n, p)
    chosen = SpreadModel.fit_choose(mean, outcome, max_value=15)
    assert chosen.family == "negbin"
    assert set(chosen.scores_) == {"negbin", "normal"}


def test_scores_reward_the_right_distribution() -> None:
    outcome = np.array([10.0, 12.0, 9.0])
    near = log_score("negbin", np.full(3, 10.3), np.full(3, 15.0), outcome).mean()
    far = log_score("negbin", np.full(3, 20.0), np.full(3, 25.0), outcome).mean()
    assert near < far
    assert (
        crps("negbin", np.full(3, 10.3), np.full(3, 15.0), outcome, 40).mean()
        < crps("negbin", np.full(3, 20.0), np.full(3, 25.0), outcome, 40).mean()
    )


def test_combo_variance_adds_the_correlation_term() -> None:
    means = np.array([[20.0, 8.0]])
    variances = np.array([[36.0, 9.0]])
    correlation = np.array([[1.0, 0.25], [0.25, 1.0]])
    mean, variance = combine_components(means, variances, np.array([1.0, 1.0]), correlation)
    assert mean[0] == pytest.approx(28.0)
    assert variance[0] == pytest.approx(36 + 9 + 2 * 0.25 * 6 * 3)
