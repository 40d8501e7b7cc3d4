"""Estimators: ensembles, stacking and per-feature contributions."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from statmusepicks.models.estimators import (
    StackingEnsemble,
    WeightedEnsemble,
    contributions,
    make_estimator,
)


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(1500, 4)), columns=["f_a", "f_b", "f_c", "f_noise"])
    x.iloc[::17, 1] = np.nan
    y = 10 + 3 * x["f_a"].to_numpy() + 2 * x["f_b"].fillna(0).to_numpy() + rng.normal(0, 1, 1500)
    return x, y


def _tree_and_linear() -> dict[str, Any]:
    """Fresh quick members, one tree model and one linear: the mix the ensembles combine."""
    return {k: make_estimator(k, quick=True) for k in ("xgboost", "elasticnet")}


@pytest.fixture(scope="module")
def ensemble(data: tuple[pd.DataFrame, np.ndarray]) -> WeightedEnsemble:
    """A weighted ensemble of the two quick members fitted on every row (tests only read it)."""
    x, y = data
    return WeightedEnsemble(_tree_and_linear()).fit(x, y)


def test_weighted_ensemble_weights_stay_on_the_simplex_and_favour_the_better_member(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    x, y = data
    members = _tree_and_linear()
    members["random_forest"] = make_estimator(
        "random_forest", quick=True, params={"max_depth": 2, "n_estimators": 5}
    )
    ensemble = WeightedEnsemble(members).fit(x[:1000], y[:1000]).fit_weights(x[1000:], y[1000:])
    assert sum(ensemble.weights_.values()) == pytest.approx(1.0)
    assert all(w >= 0 for w in ensemble.weights_.values())
    assert ensemble.weights_["elasticnet"] > ensemble.weights_["random_forest"]


def test_stacking_learns_from_held_out_rows_and_predicts(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    x, y = data
    stack = StackingEnsemble(_tree_and_linear()).fit(x, y)
    assert np.mean(np.abs(stack.predict(x) - y)) < 1.5


def test_xgboost_contributions_add_up_to_the_prediction(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    x, y = data
    model = make_estimator("xgboost", quick=True).fit(x, y)
    contrib = contributions(model, x.head(20))
    assert contrib is not None
    bias = model.predict(x.head(20)) - contrib.sum(axis=1).to_numpy()
    assert np.allclose(bias, bias[0], atol=1e-3)
    assert contrib["f_a"].abs().mean() > contrib["f_noise"].abs().mean()


def test_ensemble_contributions_cover_linear_and_tree_members(
    data: tuple[pd.DataFrame, np.ndarray], ensemble: WeightedEnsemble
) -> None:
    x, _ = data
    contrib = contributions(ensemble, x.head(5))
    assert contrib is not None
    assert list(contrib.columns) == list(x.columns)


def test_fitted_estimators_survive_pickling_and_cloning(
    data: tuple[pd.DataFrame, np.ndarray], ensemble: WeightedEnsemble
) -> None:
    x, _ = data
    restored = pickle.loads(pickle.dumps(ensemble))
    assert np.allclose(restored.predict(x.head(5)), ensemble.predict(x.head(5)))
    assert clone(ensemble).get_params()["weights"] == ensemble.get_params()["weights"]
