"""Market-aware probabilities: the model's P(over) stacked with the de-vigged market's.

A logistic regression on the two logits, fitted per stat on validation-period lines only:
P = sigmoid(c + w_model * logit(p_model) + w_market * logit(p_market)). Prop markets are
efficient (de-vigged Brier about 0.245 on the bundled lines), so the fitted weights lean on the
market; whatever weight the model keeps is where its information beyond the price shows up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

FloatArray = npt.NDArray[np.float64]

MIN_LINES = 200
CLIP = 1e-3


def logit(probability: npt.ArrayLike) -> FloatArray:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    p = np.clip(np.asarray(probability, float), CLIP, 1.0 - CLIP)
    return np.asarray(np.log(p / (1.0 - p)), float)


@dataclass(frozen=True)
class StackWeights:
    """The fitted logistic combination for one stat."""

    intercept: float
    model: float
    market: float
    rows: int

    def combine(self, p_model: npt.ArrayLike, p_market: npt.ArrayLike) -> FloatArray:
        """The stacked P(over)."""
        z = self.intercept + self.model * logit(p_model) + self.market * logit(p_market)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), float)

    def as_dict(self) -> dict[str, float]:
        """The weights as stored with a refit."""
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> StackWeights:
        """Weights read back from a stored refit."""
        return cls(
            intercept=float(stored["intercept"]),
            model=float(stored["model"]),
            market=float(stored["market"]),
            rows=int(stored["rows"]),
        )


# Without fitted weights, trust the market (the measured weights put about 0.9 on it).
MARKET_ONLY = StackWeights(intercept=0.0, model=0.0, market=1.0, rows=0)


@dataclass
class MarketStacker:
    """Per-stat logistic stacking of model and market probabilities."""

    weights: dict[str, StackWeights] = field(default_factory=dict)

    def fit(
        self,
        stat: str,
        p_model: npt.ArrayLike,
        p_market: npt.ArrayLike,
        over: npt.ArrayLike,
    ) -> MarketStacker:
        """Fit the stat's weights on validation lines (skipped below MIN_LINES rows)."""
        y = np.asarray(over, float)
        if len(y) < MIN_LINES or len(np.unique(y)) < 2:
            return self
        x = np.column_stack([logit(p_model), logit(p_market)])
        # A light L2 penalty: ~1e4 rows pin the weights, the penalty only tames tiny samples.
        fitted = LogisticRegression(C=10.0).fit(x, y)
        self.weights[stat] = StackWeights(
            intercept=float(fitted.intercept_[0]),
            model=float(fitted.coef_[0][0]),
            market=float(fitted.coef_[0][1]),
            rows=len(y),
        )
        return self

    def weights_for(self, stat: str) -> StackWeights:
        """The stat's fitted weights, or market-only weights when none were fitted."""
        return self.weights.get(stat, MARKET_ONLY)

    def combine(self, stat: str, p_model: npt.ArrayLike, p_market: npt.ArrayLike) -> FloatArray:
        """The market-aware P(over) for this stat."""
        return self.weights_for(stat).combine(p_model, p_market)
