"""Isotonic calibration of over probabilities, one calibrator per stat.

Calibrators are fitted on validation-period prop lines only (never on the lines they are scored
on) and map a model's raw P(over) to the frequency observed at that probability. Stats without
a fitted calibrator pass probabilities through unchanged, so a missing calibrator degrades to
the raw model rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression

FloatArray = npt.NDArray[np.float64]

# Fewer settled lines than this give a step function with too few steps to trust.
MIN_LINES = 200
# Isotonic steps can reach 0 or 1; a price is never that sure.
PROBABILITY_FLOOR = 0.01


def _isotonic() -> IsotonicRegression:
    return IsotonicRegression(
        y_min=PROBABILITY_FLOOR,
        y_max=1.0 - PROBABILITY_FLOOR,
        increasing=True,
        out_of_bounds="clip",
    )


@dataclass
class CalibratorRegistry:
    """Per-stat isotonic maps from raw to calibrated P(over)."""

    calibrators: dict[str, IsotonicRegression] = field(default_factory=dict)
    fitted_rows: dict[str, int] = field(default_factory=dict)

    def fit(self, stat: str, probability: npt.ArrayLike, over: npt.ArrayLike) -> CalibratorRegistry:
        """Fit the stat's calibrator on (raw P(over), 1 if the line went over) pairs."""
        p = np.asarray(probability, float)
        y = np.asarray(over, float)
        if len(p) < MIN_LINES:
            return self
        self.calibrators[stat] = _isotonic().fit(p, y)
        self.fitted_rows[stat] = len(p)
        return self

    def knots(self, stat: str) -> dict[str, list[float]]:
        """The stat's isotonic map as its knots (x, y): what a refit stores in the database."""
        model = self.calibrators[stat]
        return {
            "x": [float(v) for v in model.X_thresholds_],
            "y": [float(v) for v in model.y_thresholds_],
        }

    def fit_knots(self, stat: str, knots: dict[str, list[float]], rows: int) -> CalibratorRegistry:
        """Restore a stored map: an isotonic fit on its own knots is the same step function
        (the knots are already non-decreasing, so the fit keeps them as they are)."""
        self.calibrators[stat] = _isotonic().fit(np.asarray(knots["x"]), np.asarray(knots["y"]))
        self.fitted_rows[stat] = rows
        return self

    def has(self, stat: str) -> bool:
        """True when the stat has a fitted calibrator."""
        return stat in self.calibrators

    def calibrate(self, stat: str, probability: npt.ArrayLike) -> FloatArray:
        """Calibrated P(over); unchanged when the stat has no calibrator."""
        p = np.asarray(probability, float)
        model = self.calibrators.get(stat)
        if model is None:
            return p
        return np.asarray(model.predict(p.ravel()), float).reshape(p.shape)

    def merge(self, other: CalibratorRegistry) -> CalibratorRegistry:
        """A registry holding both sets of calibrators (`other` wins on a shared stat)."""
        return CalibratorRegistry(
            {**self.calibrators, **other.calibrators},
            {**self.fitted_rows, **other.fitted_rows},
        )
