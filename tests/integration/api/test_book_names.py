"""Sportsbook spellings of player names resolve over real HTTP, on a database that holds them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine, make_session_factory
from statmusepicks.data.ingest.bundled import load_bundled
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import Predictor
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from statmusepicks.services.predictions import prediction_service
from tests import factories
from tests.integration.api.conftest import http_client, register_on_disk

# Book spelling -> NBA.com id, as the bundled prop lines pair them.
BOOK_SPELLINGS = {
    "A.J. Green": 1631260,  # initials with dots (NBA.com: AJ Green)
    "C.J. McCollum": 203468,
    "R.J. Barrett": 1629628,
    "Vincent Williams Jr": 1631246,  # nickname and suffix without a period (Vince Williams Jr.)
    "Nicolas Claxton": 1629651,  # curated nickname only: the slice has none of his lines
    "Carlton Carrington": 1642267,  # Bub Carrington
    "B.J. Boston Jr": 1630527,  # learned only from stored lines (Brandon Boston)
}


@pytest.fixture(scope="session")
def book_names_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four-team slice plus the box scores of the players books spell differently."""
    every_team = sorted(factories.team_logs()["team"].unique())
    others = factories.player_logs(teams=every_team)
    others = others[others["player_id"].isin(BOOK_SPELLINGS.values())]
    logs = pd.concat([factories.player_logs(), others], ignore_index=True)
    bundle = factories.write_bundle(tmp_path_factory.mktemp("book-names"), player_logs=logs)
    path = tmp_path_factory.mktemp("book-names-db") / "loaded.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_bundled(engine, bundle)
    engine.dispose()
    return path


@pytest.fixture
def names_container(
    settings: Settings, book_names_db: Path, tmp_path: Path, served_models: list[StatModel]
) -> Iterator[Container]:
    target = tmp_path / "book-names.db"
    target.write_bytes(book_names_db.read_bytes())
    settings = settings.model_copy(update={"database_url": f"sqlite:///{target}"})
    engine = make_engine(settings.database_url)
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        cache=MemoryCache(f"test-{uuid.uuid4().hex[:8]}"),
    )
    register_on_disk(container, served_models)
    prediction_service(container).champions.predictor = Predictor.from_models(served_models)
    yield container
    container.close()


@pytest.fixture
async def names_client(names_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    key = create_key(names_container, "tests").key
    async for http in http_client(names_container, {"X-API-Key": key}):
        yield http


@pytest.mark.parametrize(("spelling", "player_id"), list(BOOK_SPELLINGS.items()))
async def test_a_book_spelling_prices_the_right_player(
    names_client: httpx.AsyncClient, spelling: str, player_id: int
) -> None:
    response = await names_client.post(
        "/api/predict", json={"player": spelling, "stat": "points", "line": 10.5}
    )
    assert response.status_code == 200, response.text
    assert response.json()["player_id"] == player_id


async def test_a_surname_several_players_share_is_a_409_with_candidates(
    names_client: httpx.AsyncClient,
) -> None:
    response = await names_client.post(
        "/api/predict", json={"player": "Green", "stat": "points", "line": 10.5}
    )
    assert response.status_code == 409
    ids = {candidate["playerId"] for candidate in response.json()["candidates"]}
    assert {1631260, 203110} <= ids  # AJ Green and Draymond Green
