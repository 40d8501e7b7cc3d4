"""The joint outcome of a pick'em slip: Monte Carlo over a Gaussian copula, and exact enumeration.

Each leg is one side (over or under) of a line on one stat, with the stat's predictive
probabilities of landing under the line, on it (a push) or over it. A Gaussian copula joins
the legs: correlated standard normals are drawn, each is turned into a uniform (the stat's PIT)
and read against that leg's CDF at the line: below P(under) the stat went under, within the
push mass it landed on the line, above it went over. That is exactly a draw of the stat from
its predictive distribution (its quantile function at the uniform), compared with the line,
so each leg keeps its own calibrated probabilities and the copula only adds the dependence.

A draw is settled by the payout table's grid: pushes drop legs (the app's reversion rules are
in the grid), and an app may refund a slip whose counted legs are all on one team. With no
correlation the same settlement over all 3**legs outcomes gives the exact distribution, which
is what the Monte Carlo is checked against.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Side = Literal["over", "under"]
LOSS, PUSH, WIN = 0, 1, 2


@dataclass(frozen=True)
class LegChance:
    """One leg: the stat's P(under the line) and P(on the line), the side taken, the team."""

    under: float
    push: float
    side: Side
    team: str

    @property
    def over(self) -> float:
        return max(0.0, 1.0 - self.under - self.push)

    @property
    def win(self) -> float:
        """P(this leg wins)."""
        return self.over if self.side == "over" else self.under

    @property
    def loss(self) -> float:
        return self.under if self.side == "over" else self.over


@dataclass(frozen=True)
class SlipOutcome:
    """One settled outcome: legs still counted after pushes, legs won, what it pays."""

    counted: int
    won: int
    multiplier: float
    probability: float


@dataclass(frozen=True)
class SlipDistribution:
    """The distribution of a slip's payout, from draws or from exact enumeration."""

    outcomes: tuple[SlipOutcome, ...]
    expected_multiplier: float
    standard_error: float
    all_win: float
    draws: int

    @property
    def expected_value(self) -> float:
        """Profit per unit entered."""
        return self.expected_multiplier - 1.0

    def payout_probabilities(self) -> dict[float, float]:
        """P(the slip pays each multiplier), outcomes with the same payout merged."""
        merged: dict[float, float] = {}
        for outcome in self.outcomes:
            merged[outcome.multiplier] = merged.get(outcome.multiplier, 0.0) + outcome.probability
        return dict(sorted(merged.items()))


def settle(
    results: IntArray,
    teams: Sequence[str],
    grid: FloatArray,
    *,
    single_team_refund: bool,
) -> tuple[IntArray, IntArray, FloatArray]:
    """(counted, won, multiplier) of each row of leg results (LOSS, PUSH or WIN per leg)."""
    counted = (results != PUSH).sum(axis=1)
    won = (results == WIN).sum(axis=1)
    multiplier = grid[counted, won]
    if single_team_refund:
        labels = np.asarray(teams)
        present = np.zeros(len(results), dtype=np.int64)
        for team in dict.fromkeys(teams):
            present += (results[:, labels == team] != PUSH).any(axis=1)
        multiplier = np.where((present == 1) & (counted > 0), 1.0, multiplier)
    return counted, won, np.asarray(multiplier, float)


def _distribution(
    counted: IntArray,
    won: IntArray,
    multiplier: FloatArray,
    weights: FloatArray | None,
    legs: int,
) -> SlipDistribution:
    """Outcome masses and payout moments; `weights` None means equally likely draws."""
    code = counted * (legs + 1) + won
    size = (legs + 1) ** 2
    if weights is None:
        draws = len(multiplier)
        mass = np.asarray(np.bincount(code, minlength=size), float) / draws
        mean = float(multiplier.mean())
        error = float(multiplier.std()) / np.sqrt(draws)
        all_win = float(np.count_nonzero(won == legs)) / draws
    else:
        draws = 0
        mass = np.asarray(np.bincount(code, weights=weights, minlength=size), float)
        mean, error = float(weights @ multiplier), 0.0
        all_win = float(weights[won == legs].sum())
    pays = np.zeros(size)
    pays[code] = multiplier
    outcomes = tuple(
        SlipOutcome(int(c // (legs + 1)), int(c % (legs + 1)), float(pays[c]), float(mass[c]))
        for c in np.flatnonzero(mass > 0)
    )
    return SlipDistribution(outcomes, mean, error, all_win, draws)


def copula_factor(correlation: FloatArray) -> FloatArray:
    """A matrix F with F @ F.T == correlation, also for a singular one (two legs on one stat
    of one player correlate exactly; a Cholesky factor would fail there)."""
    values, vectors = np.linalg.eigh(correlation)
    return np.asarray(vectors * np.sqrt(np.maximum(values, 0.0)), float)


def leg_results(legs: Sequence[LegChance], latent: FloatArray) -> IntArray:
    """LOSS, PUSH or WIN per draw and leg, from the latent normals: a leg's stat is under its
    line when its normal is below the normal quantile of P(under) (the same event as its PIT
    below P(under), without transforming every draw)."""
    under = np.array([leg.under for leg in legs])
    push = np.array([leg.push for leg in legs])
    overs = np.array([leg.side == "over" for leg in legs])
    below = latent < special.ndtri(np.clip(under, 0.0, 1.0))
    on_line = ~below & (latent < special.ndtri(np.clip(under + push, 0.0, 1.0)))
    won = np.where(overs, ~below & ~on_line, below)
    return np.where(on_line, PUSH, np.where(won, WIN, LOSS)).astype(np.int64)


def standard_normals(draws: int, legs: int, seed: int) -> FloatArray:
    """The draws' independent normals: one seed gives one answer (and common random numbers
    when the search compares slips)."""
    return np.random.default_rng(seed).standard_normal((draws, legs))


def simulate(
    legs: Sequence[LegChance],
    correlation: FloatArray,
    grid: FloatArray,
    normals: FloatArray,
    *,
    single_team_refund: bool,
) -> SlipDistribution:
    """The slip's payout distribution from the correlated draws of `normals` (draws x legs)."""
    latent = normals[:, : len(legs)] @ copula_factor(correlation).T
    results = leg_results(legs, latent)
    counted, won, multiplier = settle(
        results, [leg.team for leg in legs], grid, single_team_refund=single_team_refund
    )
    return _distribution(counted, won, multiplier, None, len(legs))


def exact_independent(
    legs: Sequence[LegChance], grid: FloatArray, *, single_team_refund: bool
) -> SlipDistribution:
    """The exact payout distribution of independent legs, over all 3**legs outcomes."""
    results = np.array(list(itertools.product((LOSS, PUSH, WIN), repeat=len(legs))), np.int64)
    chances = np.array([[leg.loss, leg.push, leg.win] for leg in legs])
    weights = np.prod(chances[np.arange(len(legs)), results], axis=1)
    counted, won, multiplier = settle(
        results, [leg.team for leg in legs], grid, single_team_refund=single_team_refund
    )
    return _distribution(counted, won, multiplier, weights, len(legs))


def break_even_probability(grid: FloatArray) -> float:
    """The win probability every leg needs (independent legs, no pushes) for an EV of zero."""
    legs = grid.shape[0] - 1
    wins = np.arange(legs + 1)
    ways = special.comb(legs, wins)

    def expected(p: float) -> float:
        chance = ways * p**wins * (1.0 - p) ** (legs - wins)
        return float(chance @ grid[legs]) - 1.0

    return float(optimize.brentq(expected, 1e-9, 1.0 - 1e-9, xtol=1e-10))
