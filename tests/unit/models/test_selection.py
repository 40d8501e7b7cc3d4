"""Feature selection keeps the informative copy of near-duplicate features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.models.selection import select_features


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    level = rng.uniform(5, 25, 2000)
    return pd.DataFrame(
        {
            "f_sma10": level + rng.normal(0, 0.3, 2000),
            "f_sma10_copy": level + rng.normal(0, 0.3, 2000),
            "f_noise": rng.normal(size=2000),
            "f_constant": 1.0,
            "pts": level + rng.normal(0, 3, 2000),
        }
    )


def test_the_correlation_filter_drops_one_of_two_copies_and_constants() -> None:
    chosen = select_features(_frame(), ["f_sma10", "f_sma10_copy", "f_noise", "f_constant"], "pts")
    assert len({"f_sma10", "f_sma10_copy"} & set(chosen)) == 1
    assert "f_noise" in chosen
    assert "f_constant" not in chosen


def test_lasso_and_importance_keep_the_signal() -> None:
    features = ["f_sma10", "f_sma10_copy", "f_noise"]
    for method in ("lasso", "importance"):
        chosen = select_features(_frame(), features, "pts", method)
        assert {"f_sma10", "f_sma10_copy"} & set(chosen)
