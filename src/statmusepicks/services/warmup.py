"""Serving warm-up and readiness: the shared lookups every answer needs, loaded once per process.

A first request must not build the champion predictor, the indexed team games, the player
name table or the feature rows of the players' next games: building them takes seconds, and
concurrent first requests would each wait behind it. The app's start-up calls `warm_up` (the
server accepts connections only after it), and `GET /health/ready` answers 200 only once every
part is loaded. A part that failed (the database was unreachable at start-up) is retried by the
next readiness check, in the background, so a process recovers without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pydantic import BaseModel, Field

from statmusepicks.core.logging import get_logger
from statmusepicks.data.repositories.aliases import alias_table
from statmusepicks.services.container import Container
from statmusepicks.services.predictions import prediction_service

log = get_logger(__name__)

PREDICTOR = "predictor"
TEAM_GAMES = "team_games"
NAME_TABLE = "name_table"
FEATURE_ROWS = "feature_rows"
PARTS = (PREDICTOR, TEAM_GAMES, NAME_TABLE, FEATURE_ROWS)


class Readiness(BaseModel):
    """Whether this process can answer predictions without loading anything first."""

    ok: bool
    loaded: list[str] = Field(examples=[list(PARTS)])
    missing: list[str] = Field(
        examples=[[]],
        description="Parts not loaded yet (predictor, team_games, name_table, feature_rows).",
    )
    models: int = Field(ge=0, description="Champion models served (0: season averages only).")


class ServingState:
    """What the warm-up has loaded in this process; one warm-up runs at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: set[str] = set()


def serving_state(container: Container) -> ServingState:
    """The container's one ServingState."""
    return container.service(ServingState, lambda _container: ServingState())


def _load_predictor(container: Container) -> None:
    prediction_service(container).champions.get()


def _load_team_games(container: Container) -> None:
    with container.sessions() as session:
        container.team_games.get(session)


def _load_name_table(container: Container) -> None:
    with container.engine.connect() as connection:
        alias_table(connection)


def _build_feature_rows(container: Container) -> None:
    with container.sessions() as session:
        prediction_service(container).inputs.prepare_upcoming(session)


STEPS: dict[str, Callable[[Container], None]] = {
    PREDICTOR: _load_predictor,
    TEAM_GAMES: _load_team_games,
    NAME_TABLE: _load_name_table,
    FEATURE_ROWS: _build_feature_rows,
}


def warm_up(container: Container) -> Readiness:
    """Load every missing part (each under its own lock, so concurrent callers build it once).

    A failing part is logged and left missing: the process still starts and serves what it
    can, and readiness says what is not there.
    """
    state = serving_state(container)
    with state.lock:
        for part, load in STEPS.items():
            if part in state.loaded:
                continue
            try:
                load(container)
            except Exception as exc:
                log.error("warm-up step failed", part=part, error=repr(exc))
            else:
                state.loaded.add(part)
    return readiness(container)


def readiness(container: Container) -> Readiness:
    """The readiness report; a missing part starts a background warm-up unless one runs."""
    state = serving_state(container)
    loaded = set(state.loaded)
    missing = [part for part in PARTS if part not in loaded]
    if missing and not state.lock.locked():
        threading.Thread(target=warm_up, args=(container,), name="warm-up", daemon=True).start()
    predictor = prediction_service(container).champions.predictor if PREDICTOR in loaded else None
    return Readiness(
        ok=not missing,
        loaded=[part for part in PARTS if part in loaded],
        missing=missing,
        models=len(predictor.versions) if predictor is not None else 0,
    )
