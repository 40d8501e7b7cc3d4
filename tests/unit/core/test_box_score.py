"""One possession estimate for ingestion and features, on scalars, arrays and Series alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.box_score import plays_finished, possessions, shooting_possessions
from tests import factories


def test_the_formulas_on_one_box_score() -> None:
    # 85 FGA, 10 OREB, 14 TOV, 25 FTA: 85 - 10 + 14 + 11 = 100 possessions.
    assert possessions(85.0, 10.0, 14.0, 25.0) == pytest.approx(100.0)
    assert shooting_possessions(85.0, 25.0) == pytest.approx(96.0)
    assert plays_finished(85.0, 25.0, 14.0) == pytest.approx(110.0)


def test_arrays_and_series_give_the_scalar_answer() -> None:
    fga, oreb, tov, fta = (np.array([85.0, 90.0]), np.array([10.0, 8.0]), [14.0, 12.0], [25.0, 20])
    expected = [possessions(*parts) for parts in zip(fga, oreb, tov, fta, strict=True)]
    assert list(possessions(fga, oreb, np.array(tov), np.array(fta))) == expected
    series = possessions(*(pd.Series(part, dtype=float) for part in (fga, oreb, tov, fta)))
    assert series.tolist() == expected


def test_the_estimate_is_the_one_the_bundle_stores() -> None:
    teams = factories.team_logs()
    estimate = possessions(teams["fga"], teams["oreb"], teams["tov"], teams["fta"]).round(2)
    assert np.allclose(estimate, teams["poss_est"], atol=0.006)
