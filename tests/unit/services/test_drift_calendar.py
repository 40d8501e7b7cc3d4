"""Early in a season the calendar features always drift from a whole-season reference; that is
reported but must not request a retrain, while a shift in a real feature still does."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.settings import Settings
from statmusepicks.features.registry import SEASON_CLOCK_FEATURES
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.distributions import SpreadModel
from statmusepicks.models.drift import build_reference
from statmusepicks.services.drift import model_drift
from tests.drift_rows import FORM_FEATURES, form_rows

REAL = FORM_FEATURES
CLOCK = ["f_month", "f_season_day", "f_games_season", "f_opp_rating_games"]
OPENING = dt.date(2025, 10, 21)


def _rows(rng: np.random.Generator, n: int, last_day: int) -> pd.DataFrame:
    """Player-games spread over the first `last_day` days of a season."""
    day = rng.integers(0, last_day, n)
    frame = form_rows(rng, n)
    frame["f_month"] = [(OPENING + dt.timedelta(days=int(d))).month for d in day]
    frame["f_season_day"] = day.astype(float)
    frame["f_games_season"] = np.floor(day / 2.2)
    frame["f_opp_rating_games"] = np.floor(day / 2.1)
    return frame


@pytest.fixture(scope="module")
def model() -> StatModel:
    reference_rows = _rows(np.random.default_rng(7), 20_000, last_day=170)
    target = reference_rows["pts"]
    reference = build_reference(
        reference_rows, REAL + CLOCK, target, target - 0.6 * reference_rows["f_pts_sma10"]
    )
    # The calendar features rank first: were they counted, they alone would make a model of 4
    # important features request a retrain.
    ranked = dict.fromkeys(CLOCK, 1.0) | dict.fromkeys(REAL, 0.5)
    reference = dataclasses.replace(reference, importance=ranked)
    return StatModel(
        stat="points", scope="global", variant="test", features=REAL + CLOCK,
        spread=SpreadModel(), version="1", reference=reference,
    )  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        environment="test", var_dir=tmp_path, drift_important_features=4, _env_file=None
    )


def _window(model: StatModel, shift_real: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first 14 days of a season served: served predictions and their feature rows."""
    rows = _rows(np.random.default_rng(11), 1500, last_day=14)
    if shift_real:
        rows["f_min_sma10"] += rows["f_min_sma10"].std()
        rows["f_pts_sma10"] += rows["f_pts_sma10"].std()
    rows["player_id"] = np.arange(len(rows))
    rows["game_date"] = [OPENING + dt.timedelta(days=int(d)) for d in rows["f_season_day"]]
    served = rows[["player_id", "game_date"]].assign(
        stat=model.stat,
        predicted_value=0.6 * rows["f_pts_sma10"],
        actual=rows["pts"],
        model_version=model.label,
    )
    return served, rows.drop(columns="pts")


def test_an_early_season_window_with_only_calendar_drift_requests_no_retrain(
    model: StatModel, settings: Settings
) -> None:
    assert set(CLOCK) <= SEASON_CLOCK_FEATURES
    served, features = _window(model, shift_real=False)

    panel = model_drift(model, served, features, settings)

    calendar = panel.rows[panel.rows["kind"] == "calendar"]
    assert set(calendar["name"]) == set(CLOCK)
    assert calendar["drifted"].all()  # still reported
    assert not calendar["important"].any()
    assert not panel.rows.loc[panel.rows["kind"] == "feature", "drifted"].any()
    assert panel.important_drifted == 0.0
    assert not panel.retrain


def test_a_shift_in_a_real_feature_still_requests_a_retrain(
    model: StatModel, settings: Settings
) -> None:
    served, features = _window(model, shift_real=True)

    panel = model_drift(model, served, features, settings)

    flagged = panel.rows[panel.rows["drifted"] & panel.rows["important"]]
    assert set(flagged["name"]) == {"f_min_sma10", "f_pts_sma10"}
    assert panel.important_drifted == 0.5
    assert panel.retrain
