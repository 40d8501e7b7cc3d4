"""Predictive distributions around a predicted mean: over, under and push for any line.

A stat's outcome lives on a lattice (whole numbers for box-score counts, tenths for the fantasy
score). For a line on the lattice the outcome can land exactly on it (a push); for a half line
it cannot. Every probability here comes from one CDF, so P(over) + P(under) + P(push) = 1 and
the over/under probabilities conditional on no push sum to 1 by construction.

Two families are offered, both with the variance modelled as a function of the mean
(var = a * mean + b * mean**2, fitted by maximum likelihood on validation residuals):

- ``negbin``: negative binomial, the natural law for over-dispersed counts;
- ``normal``: a normal discretised on the lattice (mass of [k - h, k + h) goes to k).

`SpreadModel.fit_choose` picks the family by validation log score and CRPS (see
docs/modelling.md for the measured figures and the reason for each stat's choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

from statmusepicks.core.stats import GLOBAL_SCOPE

Family = Literal["negbin", "normal"]
FloatArray = npt.NDArray[np.float64]

# Below this mean the count is (almost) always zero; keeps scipy's parameters finite.
MIN_MEAN = 1e-3
# A variance barely above the mean makes the negative binomial's `n` explode: Poisson limit.
MIN_EXCESS = 1e-6


@dataclass(frozen=True)
class PropDistribution:
    """The predictive distribution of one player's stat in one game.

    `contributions` lists (feature, effect on the mean) pairs, largest first, from the model's
    own attribution (XGBoost pred_contribs, ElasticNet coefficient x standardised value).
    """

    mean: float
    variance: float
    family: Family = "negbin"
    stat: str = ""
    model_version: str = "unversioned"
    scope: str = GLOBAL_SCOPE
    contributions: tuple[tuple[str, float], ...] = field(default=())
    lattice: float = 1.0

    @property
    def std(self) -> float:
        """Standard deviation of the outcome."""
        return float(np.sqrt(max(self.variance, 0.0)))

    def cdf(self, value: float) -> float:
        """P(X <= value) for a value on the lattice (values off it are floored onto it)."""
        return float(lattice_cdf(self.family, self.mean, self.variance, value, self.lattice))

    def _split(self, line: float) -> tuple[float, float, float]:
        over, under, push = split_line(self.family, self.mean, self.variance, line, self.lattice)
        return float(over), float(under), float(push)

    def prob_over(self, line: float) -> float:
        """P(X > line)."""
        return self._split(line)[0]

    def prob_under(self, line: float) -> float:
        """P(X < line)."""
        return self._split(line)[1]

    def prob_push(self, line: float) -> float:
        """P(X == line): zero for half lines, the lattice point's mass for whole lines."""
        return self._split(line)[2]

    def prob_over_no_push(self, line: float) -> float:
        """P(X > line | X != line): the over probability a bet actually settles on."""
        over, under, _ = self._split(line)
        total = over + under
        return over / total if total > 0 else 0.5


def negbin_params(mean: FloatArray, variance: FloatArray) -> tuple[FloatArray, FloatArray]:
    """scipy's (n, p) for a negative binomial with this mean and variance (> mean)."""
    mu = np.maximum(mean, MIN_MEAN)
    var = np.maximum(variance, mu * (1.0 + MIN_EXCESS))
    n = mu**2 / (var - mu)
    p = n / (n + mu)
    return n, p


def split_line(
    family: str,
    mean: npt.ArrayLike,
    variance: npt.ArrayLike,
    line: npt.ArrayLike,
    lattice: float = 1.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(P(over), P(under), P(push)) for lines on or between lattice points (vectorised)."""
    steps = np.asarray(line, float) / lattice
    on_lattice = np.abs(steps - np.round(steps)) < 1e-9
    top = np.where(on_lattice, np.round(steps), np.floor(steps + 1e-9)) * lattice
    upto = lattice_cdf(family, mean, variance, top, lattice)
    below = np.where(on_lattice, lattice_cdf(family, mean, variance, top - lattice, lattice), upto)
    return 1.0 - upto, below, upto - below


def combine_components(
    means: npt.ArrayLike,
    variances: npt.ArrayLike,
    weights: npt.ArrayLike,
    correlation: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of a weighted sum of components with correlated residuals.

    `means`/`variances` are (rows, components); `correlation` is (components, components).
    """
    mu = np.asarray(means, float)
    sd = np.sqrt(np.maximum(np.asarray(variances, float), 0.0))
    w = np.asarray(weights, float)
    rho = np.asarray(correlation, float)
    scaled = sd * w
    variance = np.einsum("ri,ij,rj->r", scaled, rho, scaled)
    return mu @ w, np.maximum(variance, 1e-9)


def lattice_cdf(
    family: str,
    mean: npt.ArrayLike,
    variance: npt.ArrayLike,
    value: npt.ArrayLike,
    lattice: float = 1.0,
) -> FloatArray:
    """P(X <= value) for lattice-valued X (vectorised over all arguments)."""
    mu = np.asarray(mean, float)
    var = np.asarray(variance, float)
    k = np.floor(np.asarray(value, float) / lattice + 1e-9) * lattice
    if family == "negbin":
        n, p = negbin_params(mu, var)
        return np.asarray(np.where(k < 0, 0.0, stats.nbinom.cdf(k, n, p)), float)
    sigma = np.sqrt(np.maximum(var, 1e-9))
    return np.asarray(stats.norm.cdf((k + lattice / 2.0 - mu) / sigma), float)


def cdf_bounds(
    family: str, mean: npt.ArrayLike, variance: npt.ArrayLike, outcome: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """(P(X < y), P(X <= y)) for whole-number outcomes y: the inputs of a randomised PIT."""
    y = np.asarray(outcome, float)
    upto = lattice_cdf(family, mean, variance, y)
    below = np.where(y <= 0, 0.0, lattice_cdf(family, mean, variance, y - 1))
    return np.asarray(below, float), upto


def log_score(
    family: str, mean: npt.ArrayLike, variance: npt.ArrayLike, outcome: npt.ArrayLike
) -> FloatArray:
    """Negative log probability of each whole-number outcome (lower is better)."""
    below, upto = cdf_bounds(family, mean, variance, outcome)
    return np.asarray(-np.log(np.clip(upto - below, 1e-12, 1.0)), float)


def crps(
    family: str,
    mean: npt.ArrayLike,
    variance: npt.ArrayLike,
    outcome: npt.ArrayLike,
    max_value: float,
) -> FloatArray:
    """Continuous ranked probability score of whole-number outcomes: sum_k (F(k) - 1{y<=k})^2."""
    mu = np.asarray(mean, float)[:, None]
    var = np.asarray(variance, float)[:, None]
    y = np.asarray(outcome, float)[:, None]
    grid = np.arange(0.0, max_value + 1.0)[None, :]
    cdf = lattice_cdf(family, mu, var, grid)
    # Mass below zero (normal family) is a forecast error too.
    below_zero = lattice_cdf(family, mu[:, 0], var[:, 0], -1.0)
    return np.asarray(((cdf - (y <= grid)) ** 2).sum(axis=1) + below_zero**2, float)


@dataclass
class SpreadModel:
    """var = a * mean + b * mean**2 for one family, fitted by maximum likelihood."""

    family: Family = "negbin"
    a: float = 1.2
    b: float = 0.05
    scores_: dict[str, dict[str, float]] = field(default_factory=dict)

    def variance(self, mean: npt.ArrayLike) -> FloatArray:
        """The modelled variance of the outcome for these predicted means."""
        mu = np.maximum(np.asarray(mean, float), MIN_MEAN)
        return np.asarray(self.a * mu + self.b * mu**2, float)

    def fit(self, mean: npt.ArrayLike, outcome: npt.ArrayLike) -> SpreadModel:
        """Maximum-likelihood (a, b) for this family on (predicted mean, outcome) pairs."""
        mu = np.maximum(np.asarray(mean, float), MIN_MEAN)
        y = np.maximum(np.round(np.asarray(outcome, float)), 0.0)

        def loss(theta: FloatArray) -> float:
            a, b = np.exp(theta)
            return float(log_score(self.family, mu, a * mu + b * mu**2, y).mean())

        start = np.log([max(self.a, 1e-3), max(self.b, 1e-4)])
        result = optimize.minimize(loss, start, method="Nelder-Mead", options={"maxiter": 300})
        self.a, self.b = (float(v) for v in np.exp(result.x))
        return self

    def distribution(self, mean: float, **kwargs: object) -> PropDistribution:
        """The PropDistribution for one predicted mean."""
        mean = max(float(mean), MIN_MEAN)
        return PropDistribution(
            mean=mean,
            variance=float(self.variance(mean)),
            family=self.family,
            **kwargs,  # type: ignore[arg-type]
        )

    @classmethod
    def fit_choose(
        cls,
        mean: npt.ArrayLike,
        outcome: npt.ArrayLike,
        *,
        max_value: float,
        holdout_share: float = 0.5,
    ) -> SpreadModel:
        """Fit both families on the first part of the rows, score them on the rest, keep the best.

        Rows are expected in time order, so the score is an honest out-of-time comparison. The
        family with the lower mean log score wins (CRPS is recorded alongside for the report);
        the winner is then refitted on every row.
        """
        mu = np.asarray(mean, float)
        y = np.asarray(outcome, float)
        cut = int(len(mu) * (1.0 - holdout_share))
        scores: dict[str, dict[str, float]] = {}
        for family in ("negbin", "normal"):
            model = cls(family=family).fit(mu[:cut], y[:cut])
            var = model.variance(mu[cut:])
            sample = slice(None, None, max(1, (len(mu) - cut) // 5000))
            scores[family] = {
                "log_score": float(log_score(family, mu[cut:], var, y[cut:]).mean()),
                "crps": float(
                    crps(family, mu[cut:][sample], var[sample], y[cut:][sample], max_value).mean()
                ),
            }
        best: Family = min(("negbin", "normal"), key=lambda f: scores[f]["log_score"])
        chosen = cls(family=best).fit(mu, y)
        chosen.scores_ = scores
        return chosen
