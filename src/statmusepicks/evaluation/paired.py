"""Paired comparison of two forecasters on the same props: bootstrap interval, sequential rule.

Each prop i gives a loss difference d_i = loss(champion) - loss(challenger), so d > 0 means the
challenger did better. Pairing removes the prop-to-prop noise both arms share (a hard prop is
hard for both), which is most of it.

- Bootstrap: a 95 % percentile interval of mean(d) (`scipy.stats.bootstrap`, 2,000 resamples
  in batches; BCa's jackknife needs n x n memory); with independent props, resampling the d_i
  is the paired bootstrap.
- Sequential rule: an asymptotic confidence sequence for mean(d) (Waudby-Smith, Arbour, Sinha,
  Kennedy and Ramdas, "Time-uniform central limit theory and asymptotic confidence
  sequences", 2023): with the running mean m_t and standard deviation s_t after t props,

      m_t +- s_t * sqrt( 2 (t rho^2 + 1) / (t^2 rho^2) * log( sqrt(t rho^2 + 1) / alpha ) ),

  which holds at every t at once, so the experiment may be looked at daily and stopped as soon
  as the sequence excludes zero, without the inflated error of re-testing a fixed-n interval.
  rho is tuned to be tightest near `planned` props.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

FloatArray = npt.NDArray[np.float64]
EPS = 1e-6
RESAMPLES = 2000


def brier_losses(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> FloatArray:
    """Per-prop Brier loss of P(over)."""
    y, p = np.asarray(outcome, float), np.asarray(probability, float)
    return np.asarray((p - y) ** 2, dtype=float)


def log_losses(outcome: npt.ArrayLike, probability: npt.ArrayLike) -> FloatArray:
    """Per-prop log loss of P(over) (probabilities clipped to [1e-6, 1 - 1e-6])."""
    y = np.asarray(outcome, float)
    p = np.clip(np.asarray(probability, float), EPS, 1 - EPS)
    return np.asarray(-(y * np.log(p) + (1 - y) * np.log(1 - p)), dtype=float)


@dataclass(frozen=True)
class PairedResult:
    """Mean loss difference (champion - challenger) with its bootstrap interval and sequence."""

    metric: str
    n: int
    champion: float
    challenger: float
    difference: float
    ci95: tuple[float, float] | None
    sequence: tuple[float, float] | None

    @property
    def challenger_better(self) -> bool:
        """The bootstrap interval lies above zero: the challenger's loss is lower."""
        return self.ci95 is not None and self.ci95[0] > 0

    @property
    def may_stop(self) -> bool:
        """The confidence sequence excludes zero (either way): the test may stop."""
        return self.sequence is not None and (self.sequence[0] > 0 or self.sequence[1] < 0)


def bootstrap_ci(
    differences: npt.ArrayLike, *, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean difference (None below 10 pairs or no spread)."""
    d = np.asarray(differences, float)
    if d.size < 10 or float(np.ptp(d)) == 0.0:
        return None
    found = sps.bootstrap(
        (d,),
        np.mean,
        confidence_level=confidence,
        n_resamples=RESAMPLES,
        method="percentile",
        batch=200,
        rng=np.random.default_rng(seed),
    )
    interval = found.confidence_interval
    return float(interval.low), float(interval.high)


def confidence_sequence(
    differences: npt.ArrayLike, *, alpha: float = 0.05, planned: int = 1000
) -> tuple[float, float] | None:
    """The asymptotic confidence sequence of the mean at the current sample (module docstring)."""
    d = np.asarray(differences, float)
    t = d.size
    if t < 2:
        return None
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / planned
    spread = float(np.std(d, ddof=1))
    radius = spread * math.sqrt(
        2 * (t * rho2 + 1) / (t * t * rho2) * math.log(math.sqrt(t * rho2 + 1) / alpha)
    )
    centre = float(np.mean(d))
    return centre - radius, centre + radius


def paired_comparison(
    outcome: npt.ArrayLike,
    champion: npt.ArrayLike,
    challenger: npt.ArrayLike,
    *,
    metric: str = "brier",
    planned: int = 1000,
) -> PairedResult:
    """Compare two P(over) forecasts of the same props by Brier or log loss."""
    losses = brier_losses if metric == "brier" else log_losses
    a, b = losses(outcome, champion), losses(outcome, challenger)
    d = a - b
    empty = d.size == 0
    return PairedResult(
        metric=metric,
        n=int(d.size),
        champion=float("nan") if empty else float(a.mean()),
        challenger=float("nan") if empty else float(b.mean()),
        difference=float("nan") if empty else float(d.mean()),
        ci95=bootstrap_ci(d),
        sequence=confidence_sequence(d, planned=planned),
    )
