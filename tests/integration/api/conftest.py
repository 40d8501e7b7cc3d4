"""Serving fixtures: real models fitted on a small real slice, an app with keys, an HTTP client.

The models are real (ElasticNet means and fitted negative-binomial spreads on the four-team
slice, trained on games before 2025-10-01) and written to the on-disk registry layout, so the
service serves them exactly as it serves `statmusepicks train` output.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.features.frame import build_feature_frame, feature_columns
from statmusepicks.models.bundle import PlayerModel, StatModel
from statmusepicks.models.distributions import SpreadModel
from statmusepicks.models.estimators import make_estimator
from statmusepicks.models.model_store import AliasBook, models_dir
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from statmusepicks.services.predictions import prediction_service
from tests import factories

JOKIC = 203999
TRAIN_BEFORE = pd.Timestamp("2025-10-01")
SERVED_STATS = {"points": "pts", "rebounds": "reb", "assists": "ast", "threes": "fg3m"}


@pytest.fixture(scope="session")
def slice_frame() -> pd.DataFrame:
    return build_feature_frame(factories.player_logs(), factories.team_logs())


def _fit(rows: pd.DataFrame, features: list[str], column: str) -> object:
    estimator = make_estimator("elasticnet", quick=True)
    estimator.fit(rows[features].astype(float), rows[column].astype(float))
    return estimator


@pytest.fixture(scope="session")
def served_models(slice_frame: pd.DataFrame) -> list[StatModel]:
    return fit_slice_models(slice_frame)


def fit_slice_models(frame: pd.DataFrame) -> list[StatModel]:
    """Global models for four stats and a player model for Jokic's points."""
    rows = frame[(frame["game_date"] < TRAIN_BEFORE) & (frame["min"] > 0)]
    features = [c for c in feature_columns(rows) if rows[c].notna().mean() > 0.5]
    models = []
    for stat, column in SERVED_STATS.items():
        estimator = _fit(rows, features, column)
        mean = np.maximum(estimator.predict(rows[features].astype(float)), 0.0)  # type: ignore[attr-defined]
        spread = SpreadModel(family="negbin").fit(mean, rows[column].to_numpy(float))
        models.append(
            StatModel(stat, "global", "elasticnet", features, spread, estimator, version="1")
        )
    own = rows[rows["player_id"] == JOKIC]
    player = PlayerModel(_fit(own, features, "pts"), "elasticnet", 0.5, len(own), 5.0, 5.5)
    points = models[0]
    models.append(
        StatModel(
            "points",
            "player",
            "shrunk-player",
            features,
            points.spread,
            None,
            {JOKIC: player},
            version="1",
        )
    )
    return models


def register_on_disk(container: Container, models: list[StatModel]) -> None:
    """Write the bundles and champion aliases where the registry keeps them."""
    root = models_dir(container.settings)
    for model in models:
        model.save(root / model.name / model.version / "model.joblib")
        AliasBook({"champion": model.version}).write(root / model.name / "aliases.json")


def serve_models(container: Container, models: list[StatModel]) -> Container:
    """Put `models` on disk as the champions and have the prediction service serve them."""
    register_on_disk(container, models)
    prediction_service(container).champions.predictor = Predictor.from_models(models)
    return container


@pytest.fixture
def api_container(loaded_container: Container, served_models: list[StatModel]) -> Container:
    """The loaded container serving the slice models, with the registry files on disk."""
    return serve_models(loaded_container, served_models)


@pytest.fixture
def api_key(api_container: Container) -> str:
    return create_key(api_container, "tests").key


async def http_client(
    container: Container, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container.settings, container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers or {}
    ) as client:
        yield client


@pytest.fixture
async def client(api_container: Container, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends a valid key on every request."""
    async for http in http_client(api_container, {"X-API-Key": api_key}):
        yield http


@pytest.fixture
async def anonymous(api_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends no key."""
    async for http in http_client(api_container):
        yield http


@pytest.fixture
def var_dir(api_container: Container) -> Path:
    return api_container.settings.var_dir
