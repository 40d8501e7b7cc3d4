"""The nightly drift job over served predictions rebuilt through the serving-input builder:
served rows drawn from the reference population are stable, a planted shift triggers a retrain."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from statmusepicks.data.db.models_drift import DriftResult
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.drift import build_reference
from statmusepicks.services.container import Container
from statmusepicks.services.drift import nightly_drift, served_feature_rows
from tests.integration.api.conftest import register_on_disk
from tests.prediction_rows import plant_predictions, prediction_row

AS_OF = dt.datetime(2025, 11, 15, 12, tzinfo=dt.UTC)
FIRST = pd.Timestamp("2025-11-01")


@pytest.fixture
def window_rows(slice_frame: pd.DataFrame) -> pd.DataFrame:
    """The slice's player-games of the 14 days before AS_OF (the props users were served)."""
    rows = slice_frame[(slice_frame["game_date"] >= FIRST) & (slice_frame["min"] > 0)]
    return rows.reset_index(drop=True)


def _serve(container: Container, rows: pd.DataFrame) -> None:
    rng = np.random.default_rng(0)
    predicted = rows["pts"].to_numpy(float) + rng.normal(0, 4, len(rows))
    records = [
        prediction_row(
            player_id=int(row.player_id),
            player_name="x",
            game_date=row.game_date.date(),
            model_version="smp-points-global:1",
            predicted_value=float(mean),
            created_at=AS_OF - dt.timedelta(days=1),
            graded_at=AS_OF,
            actual=float(row.pts),
            result="over" if row.pts > 20.5 else "under",
        )
        for row, mean in zip(rows.itertuples(), predicted, strict=True)
    ]
    plant_predictions(container.engine, records)


def _champion(
    container: Container, served_models: list[StatModel], reference_rows: pd.DataFrame
) -> StatModel:
    points = next(m for m in served_models if m.name == "smp-points-global")
    target = reference_rows["pts"].astype(float)
    residuals = pd.Series(np.random.default_rng(1).normal(0, 4, len(target)))
    reference = build_reference(reference_rows, points.features, target, residuals)
    model = dataclasses.replace(points, reference=reference)
    register_on_disk(container, [model])
    return model


def test_served_rows_like_the_reference_are_stable(
    loaded_container: Container, served_models: list[StatModel], window_rows: pd.DataFrame
) -> None:
    _serve(loaded_container, window_rows)
    # The reference is sketched from the rows serving rebuilds for these props. They equal the
    # training rows but for teammates-out: training sees who sat in the box score, serving only
    # what an injury report said (none here), which the drift job rightly flags.
    pairs = window_rows.assign(game_date=window_rows["game_date"].dt.date)[
        ["player_id", "game_date"]
    ]
    rebuilt = (
        served_feature_rows(loaded_container, pairs)
        .drop(columns="pts")
        .merge(pairs.assign(pts=window_rows["pts"]), on=["player_id", "game_date"])
    )
    model = _champion(loaded_container, served_models, rebuilt)

    report = nightly_drift(loaded_container, AS_OF)

    assert report.ok, report.errors
    summary = report.details["models"][model.label]
    assert summary["rows"] == len(window_rows)
    assert summary["drifted"] == []
    assert report.details["retrain"] == []
    with loaded_container.sessions() as session:
        stored = list(session.scalars(select(DriftResult)))
    assert {r.kind for r in stored} == {"feature", "calendar", "target", "residual"}
    # Every feature row is the one its sketch was taken from; target and residuals are fresh
    # draws of the same distributions, inside sampling noise.
    assert max(r.psi or 0.0 for r in stored if r.kind == "feature") < 1e-9
    assert not any(r.drifted for r in stored)
    assert Path(report.details["report"]).read_text().count("<tr") == len(stored) + 1


def test_a_planted_shift_in_the_important_features_requests_a_retrain(
    loaded_container: Container, served_models: list[StatModel], window_rows: pd.DataFrame
) -> None:
    points = next(m for m in served_models if m.name == "smp-points-global")
    shifted = window_rows.copy()
    important = build_reference(
        window_rows, points.features, window_rows["pts"], window_rows["pts"]
    ).important(loaded_container.settings.drift_important_features)
    # The reference saw a league where every important feature sat one spread higher.
    for name in important:
        shifted[name] = shifted[name] + shifted[name].std()
    model = _champion(loaded_container, served_models, shifted)
    _serve(loaded_container, window_rows)

    report = nightly_drift(loaded_container, AS_OF)

    assert report.details["retrain"] == [model.label]
    drifted = set(report.details["models"][model.label]["drifted"])
    assert set(important) <= drifted
    html = Path(report.details["report"]).read_text()
    assert "retrain requested" in html
    assert "data:image/png;base64," in html
