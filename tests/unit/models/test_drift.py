"""Drift references and tests: a planted shift is flagged by PSI and KS, a stable sample is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.models.drift import (
    DriftReference,
    QuantileSketch,
    bin_shares,
    build_reference,
    compare,
)
from tests.drift_rows import form_rows

PSI_THRESHOLD, KS_THRESHOLD = 0.2, 0.15


@pytest.fixture(scope="module")
def reference_rows() -> pd.DataFrame:
    frame = form_rows(np.random.default_rng(7), 20_000)
    frame.loc[frame.sample(frac=0.05, random_state=1).index, "f_noise"] = np.nan
    return frame


@pytest.fixture(scope="module")
def reference(reference_rows: pd.DataFrame) -> DriftReference:
    features = ["f_min_sma10", "f_pts_sma10", "f_rest_days", "f_noise"]
    target = reference_rows["pts"]
    residuals = target - 0.6 * reference_rows["f_pts_sma10"]
    return build_reference(reference_rows, features, target, residuals, period="2024-25")


def _served(rows: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return rows.sample(n=n, random_state=seed).reset_index(drop=True)


def test_a_sample_of_the_reference_population_is_stable(
    reference_rows: pd.DataFrame, reference: DriftReference
) -> None:
    served = _served(reference_rows, 1500, seed=3)
    for name, sketch in reference.features.items():
        drift = compare(sketch, served[name])
        assert (drift.psi or 1.0) < 0.05, name
        assert (drift.ks or 1.0) < 0.06, name
        assert not drift.drifted(PSI_THRESHOLD, KS_THRESHOLD), name


def test_a_planted_shift_is_flagged_by_psi_and_ks(
    reference_rows: pd.DataFrame, reference: DriftReference
) -> None:
    served = _served(reference_rows, 1500, seed=4)
    served["f_min_sma10"] += 4.0  # two-thirds of a standard deviation more minutes
    shifted = compare(reference.features["f_min_sma10"], served["f_min_sma10"])
    assert shifted.psi is not None
    assert shifted.psi > PSI_THRESHOLD
    assert shifted.ks is not None
    assert shifted.ks > KS_THRESHOLD
    assert shifted.drifted(PSI_THRESHOLD, KS_THRESHOLD)
    untouched = compare(reference.features["f_rest_days"], served["f_rest_days"])
    assert not untouched.drifted(PSI_THRESHOLD, KS_THRESHOLD)


def test_values_going_missing_is_drift(
    reference_rows: pd.DataFrame, reference: DriftReference
) -> None:
    served = _served(reference_rows, 1500, seed=5)
    served.loc[: len(served) // 3, "f_noise"] = np.nan
    drift = compare(reference.features["f_noise"], served["f_noise"])
    assert drift.psi is not None
    assert drift.psi > PSI_THRESHOLD
    shares = bin_shares(reference.features["f_noise"], served["f_noise"])
    assert shares.sum() == pytest.approx(1.0)
    # A third set missing, on top of the 5 % the reference already missed.
    assert shares[-1] == pytest.approx(1 / 3 + 0.05 * 2 / 3, abs=0.015)


def test_a_discrete_feature_compared_with_itself_is_stable() -> None:
    """Averages of small counts (1/3 steals) tie at bin edges and KS steps: none may move."""
    values = np.random.default_rng(0).binomial(3, 0.3, 310) / 3.0
    drift = compare(QuantileSketch.of(values), values)
    assert drift.psi == pytest.approx(0.0)
    assert (drift.ks or 1.0) < 0.02


def test_a_sketch_keeps_deciles_and_the_missing_share() -> None:
    values = np.append(np.arange(1000, dtype=float), [np.nan] * 100)
    sketch = QuantileSketch.of(values)
    assert len(sketch.quantiles) == 101
    assert len(sketch.edges) == 9
    assert sketch.missing == pytest.approx(100 / 1100)
    assert sum(sketch.shares) + sketch.missing == pytest.approx(1.0)


def test_importance_ranks_the_features_that_move_the_target(reference: DriftReference) -> None:
    assert reference.important(2) == ["f_pts_sma10", "f_min_sma10"]


def test_a_reference_survives_json(reference: DriftReference) -> None:
    assert DriftReference.from_dict(reference.to_dict()) == reference
