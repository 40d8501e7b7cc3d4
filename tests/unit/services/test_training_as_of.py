"""`train --as-of`: the fit never sees a row dated on or after the as-of day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from statmusepicks.core.settings import Settings
from statmusepicks.data.cache import MemoryCache
from statmusepicks.data.db.session import make_session_factory
from statmusepicks.services import training
from statmusepicks.services.container import Container


@pytest.fixture
def container(settings: Settings, sqlite_engine: Engine) -> Container:
    return Container(
        settings=settings,
        engine=sqlite_engine,
        sessions=make_session_factory(sqlite_engine),
        cache=MemoryCache("test-train-as-of"),
    )


class Stop(Exception):
    """Raised by the stand-in fit once it has seen its inputs."""


def test_training_as_of_a_day_reads_only_rows_before_it(
    monkeypatch: pytest.MonkeyPatch, container: Container
) -> None:
    days = pd.to_datetime(["2025-10-20", "2025-10-21", "2025-10-22"])
    frame = pd.DataFrame({"game_date": days, "player_id": [1, 2, 3]})
    lines = pd.DataFrame({"game_date": days, "stat": "points"})
    seen: dict[str, Any] = {}

    def fit(rows: pd.DataFrame, _config: Any, priced: pd.DataFrame | None) -> None:
        seen["frame"], seen["lines"] = rows, priced
        raise Stop

    monkeypatch.setattr(training, "feature_frame", lambda _container: (frame, "v"))
    monkeypatch.setattr(training, "line_history", lambda _settings: lines)
    monkeypatch.setattr(training, "read_player_logs", lambda _directory: frame)
    monkeypatch.setattr(training, "train_models", fit)
    # 01:00 UTC on the 22nd is still the 21st in New York: only the 20th is before it.
    as_of = dt.datetime(2025, 10, 22, 1, 0, tzinfo=dt.UTC)
    with pytest.raises(Stop):
        training.train(container, quick=True, progress=False, as_of=as_of)
    assert list(seen["frame"]["game_date"]) == [pd.Timestamp("2025-10-20")]
    assert list(seen["lines"]["game_date"]) == [pd.Timestamp("2025-10-20")]


def test_without_as_of_every_row_is_read(
    monkeypatch: pytest.MonkeyPatch, container: Container
) -> None:
    frame = pd.DataFrame({"game_date": pd.to_datetime(["2025-10-20", "2025-10-22"])})
    seen: dict[str, Any] = {}

    def fit(rows: pd.DataFrame, _config: Any, priced: pd.DataFrame | None) -> None:
        seen["frame"] = rows
        raise Stop

    monkeypatch.setattr(training, "feature_frame", lambda _container: (frame, "v"))
    monkeypatch.setattr(training, "line_history", lambda _settings: frame.iloc[:0])
    monkeypatch.setattr(training, "read_player_logs", lambda _directory: frame)
    monkeypatch.setattr(training, "train_models", fit)
    with pytest.raises(Stop):
        training.train(container, quick=True, progress=False)
    assert len(seen["frame"]) == 2
