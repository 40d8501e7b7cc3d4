"""The predictor: combos priced from their components, explained by their components' effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import Predictor
from tests import factories

FEATURES = {
    "points": ["f_pts_season", "f_pts_sma10", "f_min_sma10"],
    "rebounds": ["f_reb_season", "f_min_sma10"],
    "assists": ["f_ast_season", "f_usg_pct_l10"],
}


def _frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = sorted({c for names in FEATURES.values() for c in names})
    frame = pd.DataFrame(rng.uniform(2, 30, size=(rows, len(columns))), columns=columns)
    frame.insert(0, "player_id", np.arange(rows))
    return frame


def _model(stat: str, train: pd.DataFrame) -> StatModel:
    names = FEATURES[stat]
    target = train[names].mean(axis=1) + np.random.default_rng(1).normal(0, 1, len(train))
    return factories.linear_model(stat, train[names], target)


def test_a_combo_is_explained_by_its_components_effects_over_all_their_features() -> None:
    train = _frame(300)
    predictor = Predictor.from_models([_model(s, train) for s in FEATURES])
    rows = _frame(4, seed=2)
    combo = predictor.price(rows, "pra", explain=True).contributions
    parts = [predictor.price(rows, stat, explain=True) for stat in FEATURES]
    assert combo is not None
    expected = np.zeros(combo.shape)
    for part in parts:
        assert part.contributions is not None
        expected += part.contributions.reindex(columns=combo.columns, fill_value=0.0).to_numpy()
    assert set(combo.columns) == {c for names in FEATURES.values() for c in names}
    np.testing.assert_allclose(combo.to_numpy(), expected)
    mean = predictor.price(rows, "pra").mean
    np.testing.assert_allclose(mean, np.sum([part.mean for part in parts], axis=0))
