"""Window reductions agree with pandas / numpy on real-looking sequences with short histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from statmusepicks.features import rolling, timeline
from statmusepicks.features.timeline import Timeline

# Each window reduction beside the pandas reduction it must equal.
PANDAS_REDUCTIONS = {
    "mean": timeline.window_mean,
    "min": timeline.window_min,
    "max": timeline.window_max,
    "median": timeline.window_median,
}


@pytest.fixture
def games() -> tuple[Timeline, np.ndarray]:
    """Two players: one with 25 games, one with 4 (windows longer than his career)."""
    rng = np.random.default_rng(7)
    entity = np.r_[np.full(25, 1), np.full(4, 2)]
    day = np.r_[np.arange(25) * 2, np.arange(4) * 3]
    values = rng.poisson(20, len(entity)).astype(float)
    return Timeline.from_sorted(entity, day), values


def _pandas_window(values: np.ndarray, end: int, start: int, size: int) -> pd.Series:
    return pd.Series(values[max(start, end - size + 1) : end + 1])


def test_previous_game_is_strictly_before_the_target_day(
    games: tuple[Timeline, np.ndarray],
) -> None:
    line, _ = games
    assert line.previous(np.array([1]), np.array([10]))[0] == 4  # day 8 is index 4
    assert line.previous(np.array([1]), np.array([0]))[0] == -1
    assert line.previous(np.array([3]), np.array([10]))[0] == -1  # unknown entity
    assert line.count_before(np.array([2, 2]), np.array([4, 100])).tolist() == [2, 4]


def test_window_statistics_match_pandas(games: tuple[Timeline, np.ndarray]) -> None:
    line, values = games
    previous = np.arange(len(values))
    lags = line.lags(values, previous, 10)
    starts = np.r_[np.zeros(25, int), np.full(4, 25)]
    for row, end in enumerate(previous):
        window = _pandas_window(values, end, starts[row], 10)
        for name, reduce in PANDAS_REDUCTIONS.items():
            assert reduce(lags)[row] == pytest.approx(getattr(window, name)()), name
        if len(window) > 1:
            assert timeline.window_std(lags)[row] == pytest.approx(window.std())
            expected = np.polyfit(np.arange(len(window)), window.to_numpy(), 1)[0]
            assert timeline.window_slope(lags)[row] == pytest.approx(expected)
        else:
            assert np.isnan(timeline.window_std(lags)[row])


def test_ema_equals_pandas_ewm_within_the_twenty_game_horizon(
    games: tuple[Timeline, np.ndarray],
) -> None:
    line, values = games
    previous = np.arange(20)
    summary = rolling.form_summary(line.lags(values, previous, rolling.FORM_DEPTH))
    expected = pd.Series(values[:20]).ewm(alpha=rolling.EMA_ALPHA, adjust=True).mean()
    np.testing.assert_allclose(summary["ema"], expected.to_numpy(), rtol=1e-12)


def test_hit_rates_count_games_strictly_over_the_line() -> None:
    lags = np.array([[30.0, 20.0, 25.0, 26.0, 24.0] + [np.nan] * 15])
    rates = rolling.hit_rates(lags, np.array([24.5]))
    assert rates["l5"][0] == pytest.approx(3 / 5)
    assert rates["l10"][0] == pytest.approx(3 / 5)  # only five games exist
    assert np.isnan(rolling.hit_rates(lags, np.array([np.nan]))["l5"][0])
