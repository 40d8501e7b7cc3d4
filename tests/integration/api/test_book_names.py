"""Sportsbook spellings of player names resolve over real HTTP, on a database that holds them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from statmusepicks.core.settings import Settings
from statmusepicks.models.bundle import StatModel
from statmusepicks.services.container import Container
from statmusepicks.services.keys import create_key
from tests import factories
from tests.environments import copy_sqlite, load_sqlite, memory_container
from tests.integration.api.conftest import http_client, serve_models

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
    return load_sqlite(tmp_path_factory.mktemp("book-names-db") / "loaded.db", bundle)


@pytest.fixture
def names_container(
    settings: Settings, book_names_db: Path, tmp_path: Path, served_models: list[StatModel]
) -> Iterator[Container]:
    url = copy_sqlite(book_names_db, tmp_path / "book-names.db")
    container = memory_container(settings.model_copy(update={"database_url": url}))
    serve_models(container, served_models)
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
