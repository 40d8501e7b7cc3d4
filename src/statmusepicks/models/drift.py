"""Drift references and the tests that compare served data with them (PSI and two-sample KS).

A model carries a `DriftReference` taken from its validation season: per feature a
`QuantileSketch` (101 percentiles, the decile bins with the share of rows in each, and the
share missing), the same for the target, and for the validation residuals (actual - predicted
mean: out-of-sample, so comparable with served residuals). A sketch instead of the rows keeps a
bundle small (about 180 features x 101 numbers).

- PSI = sum over bins of (served share - reference share) * ln(served / reference), over the
  reference's decile bins plus a "missing" bin; shares are floored at 1e-4 so an empty bin
  counts as a large, finite shift. Rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 major.
- KS: `scipy.stats.ks_2samp` between the reference percentiles and the served values. The
  percentiles stand in for the reference sample, so the statistic is the largest gap between
  the two CDFs to within 1 % (the percentile step); its p-value is not meaningful and is not used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

FloatArray = npt.NDArray[np.float64]
PERCENTILES = np.linspace(0.0, 1.0, 101)
DECILES = np.linspace(0.1, 0.9, 9)
SHARE_FLOOR = 1e-4


@dataclass(frozen=True)
class QuantileSketch:
    """A distribution summarised for drift tests (see the module docstring)."""

    quantiles: list[float]
    edges: list[float]
    shares: list[float]
    missing: float
    rows: int

    @staticmethod
    def of(values: npt.ArrayLike) -> QuantileSketch:
        """The sketch of some values (NaN counts as missing)."""
        raw = np.asarray(values, dtype=float)
        present = raw[~np.isnan(raw)]
        if present.size == 0:
            return QuantileSketch([], [], [], 1.0 if raw.size else 0.0, int(raw.size))
        edges = np.unique(np.quantile(present, DECILES))
        counts = np.bincount(np.searchsorted(edges, present), minlength=edges.size + 1)
        return QuantileSketch(
            quantiles=_floats(np.quantile(present, PERCENTILES)),
            edges=_floats(edges),
            shares=_floats(counts / raw.size),
            missing=1.0 - present.size / raw.size,
            rows=int(raw.size),
        )


def _floats(values: npt.ArrayLike) -> list[float]:
    """Full precision: a rounded edge or percentile would move ties (a player's 1/3 steals
    average) to the other side of a bin edge or of the KS step, and flag a stable feature."""
    return [float(v) for v in np.asarray(values, dtype=float)]


@dataclass(frozen=True)
class DriftReference:
    """What a model was trained on, summarised: features, target and residuals."""

    features: dict[str, QuantileSketch]
    target: QuantileSketch
    residuals: QuantileSketch
    importance: dict[str, float] = field(default_factory=dict)
    period: str = ""

    def important(self, top: int, exclude: frozenset[str] = frozenset()) -> list[str]:
        """The `top` features most correlated with the target (|r| on the reference rows),
        leaving out `exclude` (features whose drift must not count towards a retrain)."""
        ranked = sorted(
            (name for name in self.importance if name not in exclude),
            key=lambda name: -self.importance[name],
        )
        return ranked[:top]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> DriftReference:
        return DriftReference(
            features={k: QuantileSketch(**v) for k, v in raw["features"].items()},
            target=QuantileSketch(**raw["target"]),
            residuals=QuantileSketch(**raw["residuals"]),
            importance=dict(raw.get("importance", {})),
            period=str(raw.get("period", "")),
        )


def build_reference(
    rows: pd.DataFrame,
    features: list[str],
    target: pd.Series,
    residuals: pd.Series,
    *,
    period: str = "",
) -> DriftReference:
    """The reference of a model from its reference rows (its validation season)."""
    matrix = rows[features].apply(pd.to_numeric, errors="coerce").astype(float)
    importance = matrix.corrwith(target.astype(float)).abs().fillna(0.0)
    return DriftReference(
        features={name: QuantileSketch.of(matrix[name]) for name in features},
        target=QuantileSketch.of(target),
        residuals=QuantileSketch.of(residuals),
        importance={k: round(float(v), 6) for k, v in importance.items()},
        period=period,
    )


@dataclass(frozen=True)
class Drift:
    """PSI and KS of served values against a sketch (None when either side is empty)."""

    rows: int
    psi: float | None
    ks: float | None

    def drifted(self, psi_threshold: float, ks_threshold: float) -> bool:
        """True when either statistic reaches its threshold."""
        return (self.psi is not None and self.psi >= psi_threshold) or (
            self.ks is not None and self.ks >= ks_threshold
        )


def bin_shares(sketch: QuantileSketch, values: npt.ArrayLike) -> FloatArray:
    """Shares of `values` in the sketch's decile bins, then the missing share (sums to 1)."""
    raw = np.asarray(values, dtype=float)
    present = raw[~np.isnan(raw)]
    counts = np.bincount(
        np.searchsorted(np.asarray(sketch.edges), present), minlength=len(sketch.edges) + 1
    )
    return np.append(counts / raw.size, 1.0 - present.size / raw.size)


def reference_shares(sketch: QuantileSketch) -> FloatArray:
    """The reference's shares in its own bins, then its missing share."""
    return np.append(np.asarray(sketch.shares, dtype=float), sketch.missing)


def population_stability(sketch: QuantileSketch, served: npt.ArrayLike) -> float | None:
    """PSI of served values over the sketch's decile bins and its missing bin."""
    raw = np.asarray(served, dtype=float)
    if raw.size == 0 or sketch.rows == 0:
        return None
    actual = np.maximum(bin_shares(sketch, raw), SHARE_FLOOR)
    expected = np.maximum(reference_shares(sketch), SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def ks_statistic(sketch: QuantileSketch, served: npt.ArrayLike) -> float | None:
    """Two-sample KS statistic between the sketch's percentiles and the served values."""
    present = np.asarray(served, dtype=float)
    present = present[~np.isnan(present)]
    if present.size == 0 or not sketch.quantiles:
        return None
    return float(sps.ks_2samp(np.asarray(sketch.quantiles), present).statistic)


def compare(sketch: QuantileSketch, served: npt.ArrayLike) -> Drift:
    """PSI and KS of served values against a reference sketch."""
    values = np.asarray(served, dtype=float)
    return Drift(
        int(values.size), population_stability(sketch, values), ks_statistic(sketch, values)
    )
