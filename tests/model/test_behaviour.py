"""Behavioural tests of trained models on real games: what a bettor would take for granted."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.errors import ModelNotAvailableError
from statmusepicks.models import training
from statmusepicks.models.predictor import Predictor
from statmusepicks.models.train_config import TrainConfig
from statmusepicks.models.training import TrainingRun, train_models
from tests.model.conftest import SLICE_CONFIG

FORM = ("sma3", "sma5", "sma10", "ema", "wma10", "med10")


@pytest.fixture(scope="module")
def upcoming(real_slice: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    frame, _ = real_slice
    return frame[frame["season"] == "2025-26"].tail(60).reset_index(drop=True)


@pytest.mark.parametrize(("stat", "column"), [("points", "pts"), ("rebounds", "reb")])
def test_a_hotter_recent_form_never_lowers_the_mean(
    predictor: Predictor, upcoming: pd.DataFrame, stat: str, column: str
) -> None:
    hot = upcoming.copy()
    for summary in FORM:
        hot[f"f_{column}_{summary}"] = hot[f"f_{column}_{summary}"] * 1.3 + 1.0
    before = predictor.price(upcoming, stat).mean
    after = predictor.price(hot, stat).mean
    assert np.all(after >= before - 1e-6)
    assert np.mean(after - before) > 0.1


@pytest.mark.parametrize("line", [0.5, 4.0, 9.5, 20.0, 24.5, 31.0])
def test_over_and_under_given_no_push_sum_to_one(
    predictor: Predictor, upcoming: pd.DataFrame, line: float
) -> None:
    for stat in ("points", "pra", "ra"):
        for dist in predictor.predict(upcoming.head(10), stat):
            total = dist.prob_over(line) + dist.prob_under(line) + dist.prob_push(line)
            assert total == pytest.approx(1.0, abs=1e-9)
            over = dist.prob_over_no_push(line)
            under = dist.prob_under(line) / (1.0 - dist.prob_push(line))
            assert over + under == pytest.approx(1.0, abs=1e-9)
            assert (dist.prob_push(line) == 0.0) == (line % 1 != 0)


def test_combos_come_from_their_components(predictor: Predictor, upcoming: pd.DataFrame) -> None:
    parts = [predictor.price(upcoming, s) for s in ("points", "rebounds", "assists")]
    pra = predictor.price(upcoming, "pra")
    assert pra.mean == pytest.approx(sum(p.mean for p in parts))
    # Positively correlated residuals (points with rebounds) widen the sum.
    assert np.all(pra.variance > sum(p.variance for p in parts) - 1e-9)


def test_the_fallback_chain_never_fails_a_known_player(
    predictor: Predictor, upcoming: pd.DataFrame, slice_run: TrainingRun
) -> None:
    with_model = {r.player_id for r in slice_run.players if r.stat == "points" and r.model}
    scopes = {d.scope for d in predictor.predict(upcoming, "points")}
    assert scopes <= {"player", "global"}
    if with_model:
        pid = next(iter(with_model))
        [dist] = predictor.predict(upcoming.head(1), "points", player_id=pid)
        assert dist.scope == "player"
    [stranger] = predictor.predict(upcoming.head(1), "points", player_id=-1)
    assert stranger.scope == "global"
    steals = predictor.predict(upcoming.head(3), "steals")
    assert {d.scope for d in steals} == {"season_average"}
    no_history = upcoming.head(1).copy()
    no_history[[c for c in no_history.columns if c.startswith("f_stl_")]] = np.nan
    with pytest.raises(ModelNotAvailableError):
        predictor.predict(no_history, "steals")


def test_predictions_explain_themselves_with_model_contributions(
    predictor: Predictor, upcoming: pd.DataFrame
) -> None:
    [dist] = predictor.predict(upcoming.head(1), "points", player_id=-1)
    assert 1 <= len(dist.contributions) <= 5
    assert all(name.startswith("f_") for name, _ in dist.contributions)


def test_market_stacking_and_calibration_are_fitted_on_earlier_lines_only(
    slice_run: TrainingRun, predictor: Predictor
) -> None:
    priced = slice_run.line_predictions
    assert priced is not None
    calibration = priced[priced["period"] == "calibration"]
    assert calibration["game_date"].max() < pd.Timestamp("2025-11-01")
    assert (priced["period"] == "evaluation").any()
    for column in ("p_model", "p_calibrated", "p_market_aware"):
        assert priced[column].between(0, 1).all()
    combined = predictor.combine_with_market(0.62, 0.50, "points")
    assert 0.0 < combined < 1.0


def test_a_failing_task_is_recorded_and_the_run_goes_on(
    real_slice: tuple[pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, _ = real_slice
    real_fit = training.fit_global

    def flaky(frame: pd.DataFrame, stat: str, config: TrainConfig) -> object:
        if stat == "rebounds":
            raise RuntimeError("boom")
        return real_fit(frame, stat, config)

    monkeypatch.setattr(training, "fit_global", flaky)
    config = replace(
        SLICE_CONFIG, stats=("rebounds", "threes"), per_player=False, evaluate_test=False
    )
    run = train_models(frame, config)
    assert [f.key for f in run.failures] == ["rebounds"]
    assert "boom" in (run.failures[0].error or "")
    assert [m.stat for m in run.models] == ["threes"]
