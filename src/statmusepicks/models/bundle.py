"""What a trained model is on disk: a `StatModel`, everything serving needs for one stat/scope.

A global bundle holds the mean estimator, the feature list, the spread model, the isotonic
calibrators and market-stacking weights of its stat and of the combos led by it (pra, pr, pa
and fantasy ride with points; all fitted on validation-period lines) and the residual
correlations between base stats used to price combos. A player bundle holds one shrunk
estimator per eligible player and leans on the global bundle for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from statmusepicks.models.distributions import SpreadModel
from statmusepicks.models.drift import DriftReference
from statmusepicks.models.estimators import as_matrix, contributions, predict_rows
from statmusepicks.models.market import StackWeights

FloatArray = npt.NDArray[np.float64]
MODEL_PREFIX = "smp"


def model_name(stat: str, scope: str) -> str:
    """The registry name of a stat's model at a scope, e.g. `smp-points-global`."""
    return f"{MODEL_PREFIX}-{stat}-{scope}"


@dataclass
class PlayerModel:
    """One player's estimator and how much it is trusted against the global model."""

    estimator: Any
    variant: str
    shrinkage: float
    games: int
    valid_mae: float
    global_valid_mae: float


@dataclass
class StatModel:
    """A trained stat model at one scope ('global' or 'player'), ready to serve."""

    stat: str
    scope: str
    variant: str
    features: list[str]
    spread: SpreadModel
    estimator: Any = None
    players: dict[int, PlayerModel] = field(default_factory=dict)
    calibrators: dict[str, IsotonicRegression] = field(default_factory=dict)
    stacks: dict[str, StackWeights] = field(default_factory=dict)
    residual_correlation: dict[str, dict[str, float]] = field(default_factory=dict)
    trained_through: str = ""
    dataset_version: str = ""
    selected_features: dict[str, list[str]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    version: str = "unregistered"
    # Quantiles of the validation season's features, target and residuals (drift checks).
    reference: DriftReference | None = None

    @property
    def name(self) -> str:
        """Registry name."""
        return model_name(self.stat, self.scope)

    @property
    def label(self) -> str:
        """`name:version`, the `model_version` serving reports."""
        return f"{self.name}:{self.version}"

    def predict_mean(
        self, frame: pd.DataFrame, *, explain: bool = False
    ) -> tuple[FloatArray, pd.DataFrame | None]:
        """Predicted means of a global model (never below zero: counts) and, with `explain`,
        the per-row feature effects on them if the estimator has them; both read one feature
        matrix (building it is a tenth of a one-row call)."""
        x = as_matrix(frame, self.features)
        mean = np.maximum(predict_rows(self.estimator, x), 0.0)
        return mean, contributions(self.estimator, x) if explain else None

    def save(self, path: Path) -> Path:
        """Pickle the bundle (joblib) to `path`, creating folders."""
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path, compress=3)
        return path

    @staticmethod
    def load(path: Path) -> StatModel:
        """A bundle written by `save`."""
        loaded = joblib.load(path)
        if not isinstance(loaded, StatModel):
            raise TypeError(f"{path} does not hold a StatModel")
        return loaded
