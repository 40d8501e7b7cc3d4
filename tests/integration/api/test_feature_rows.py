"""The feature rows built ahead: once per game day under a lock, equal to the per-player path.

Concurrent first requests of a process that has just started must build a row once, and the
rows the warm-up builds for every active player's next game must equal, to 1e-9, the rows the
per-player reference path (`PredictionFeatures.feature_rows` of one target) builds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Sequence

import httpx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import insert

from statmusepicks.data.db.models import Game
from statmusepicks.features.frame import feature_columns
from statmusepicks.services.container import Container
from statmusepicks.services.prediction_features import PredictionFeatures
from statmusepicks.services.predictions import invalidate_predictions, prediction_service
from statmusepicks.services.serving_inputs import ServingTarget
from statmusepicks.services.warmup import FEATURE_ROWS, warm_up

JOKIC = 203999
# The slice's box scores end on 2025-11-14: two scheduled games of its teams right after.
NEXT_GAMES = (("0029900001", "DEN", "LAL"), ("0029900002", "GSW", "BOS"))
NEXT_DAY = dt.date(2025, 11, 16)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of targets of every build of feature rows from the database."""
    counted: list[int] = []
    lock = threading.Lock()
    build = PredictionFeatures.feature_rows

    def counting(
        self: PredictionFeatures, session: object, targets: Sequence[ServingTarget]
    ) -> pd.DataFrame:
        with lock:
            counted.append(len(targets))
        return build(self, session, targets)  # type: ignore[arg-type]

    monkeypatch.setattr(PredictionFeatures, "feature_rows", counting)
    return counted


def _schedule(container: Container) -> None:
    with container.engine.begin() as connection:
        connection.execute(
            insert(Game),
            [
                {
                    "game_id": game_id,
                    "game_date": NEXT_DAY,
                    "season": "2025-26",
                    "season_type": "Regular Season",
                    "home_team": home,
                    "away_team": away,
                    "status": "scheduled",
                }
                for game_id, home, away in NEXT_GAMES
            ],
        )


async def test_concurrent_first_requests_build_a_row_once(
    client: httpx.AsyncClient, api_container: Container, builds: list[int]
) -> None:
    invalidate_predictions(api_container)
    builds.clear()
    stats = ("points", "rebounds", "assists", "threes", "pra", "points", "rebounds", "assists")
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/predict",
                json={"player": JOKIC, "stat": stat, "line": 2.5 + i, "date": "2025-11-12"},
            )
            for i, stat in enumerate(stats)
        )
    )
    assert [r.status_code for r in responses] == [200] * len(stats), [r.text for r in responses]
    assert builds == [1]


async def test_warm_rows_serve_concurrent_predicts_and_equal_the_reference_path(
    client: httpx.AsyncClient, api_container: Container, builds: list[int]
) -> None:
    _schedule(api_container)
    invalidate_predictions(api_container)
    builds.clear()
    assert FEATURE_ROWS in warm_up(api_container).loaded
    assert len(builds) == 1
    assert builds[0] > 20
    service = prediction_service(api_container)
    with api_container.sessions() as session:
        targets = service.inputs.upcoming_targets(session, service.inputs.data_as_of(session))
    assert {t.game_date for t in targets} == {NEXT_DAY}
    players = [t.player_id for t in targets][:8]
    responses = await asyncio.gather(
        *(
            client.post("/api/predict", json={"player": pid, "stat": "points", "line": 9.5})
            for pid in players
        )
    )
    assert all(r.status_code in (200, 409) for r in responses), [r.text for r in responses]
    assert len(builds) == 1, "the requests found their rows"
    with api_container.sessions() as session:
        fast = service.inputs.rows(session, targets)
        reference = pd.concat(
            [service.inputs.feature_rows(session, [t]) for t in targets], ignore_index=True
        )
    columns = feature_columns(reference)
    assert list(fast["player_id"]) == [t.player_id for t in targets]
    np.testing.assert_allclose(
        fast[columns].to_numpy(float), reference[columns].to_numpy(float), atol=1e-9, rtol=0
    )
