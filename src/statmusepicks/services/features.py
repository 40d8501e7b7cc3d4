"""Use case: materialize the feature store from the database (or the bundled files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pandas as pd

from statmusepicks.data.ingest.bundled import read_player_logs, read_team_logs
from statmusepicks.data.repositories import players as repo
from statmusepicks.features.store import FeatureSetInfo, build_store
from statmusepicks.services.container import Container

Source = Literal["db", "bundled"]


def read_logs(container: Container, source: Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Player and team logs from the database (default: includes synced games) or the bundle."""
    if source == "bundled":
        directory = container.settings.bundled_data_dir
        return read_player_logs(directory), read_team_logs(directory)
    with container.sessions() as session:
        return repo.all_player_logs(session), repo.team_game_logs(session)


def build_feature_store(
    container: Container,
    *,
    source: Source = "db",
    force: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> FeatureSetInfo:
    """Build (or reuse) the feature set for the current code and data and register it."""
    step = on_step or (lambda _name: None)
    step("read logs")
    player_logs, team_logs = read_logs(container, source)
    return build_store(
        player_logs,
        team_logs,
        settings=container.settings,
        engine=container.engine,
        force=force,
        on_step=step,
    )
