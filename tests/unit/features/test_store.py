"""The feature store: versioned parquet registered in the database, read back unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.core.errors import DataError, NotFoundError
from statmusepicks.core.settings import Settings, get_settings
from statmusepicks.data.db.models import FeatureSet
from statmusepicks.features import store
from statmusepicks.features.inputs import FeatureInputs
from statmusepicks.features.registry import FEATURES
from statmusepicks.features.store import (
    FeatureStore,
    build_store,
    current_feature_set,
    latest_feature_set,
    load_store,
    read_player_features,
)

JOKIC = 203999


@pytest.fixture
def den_logs(player_logs: pd.DataFrame) -> pd.DataFrame:
    return player_logs[player_logs["team"] == "DEN"]


def test_store_round_trips_the_frame_and_registers_its_version(
    den_logs: pd.DataFrame, team_logs: pd.DataFrame, settings: Settings, sqlite_engine: Engine
) -> None:
    with pytest.raises(NotFoundError):
        load_store(sqlite_engine)
    steps: list[str] = []
    info = build_store(
        den_logs, team_logs, settings=settings, engine=sqlite_engine, on_step=steps.append
    )
    assert info.path.is_relative_to(settings.var_dir / "features")
    assert "recent_form" in steps
    assert not info.reused
    stored = load_store(sqlite_engine)
    assert len(stored) == info.rows == len(den_logs)
    on_disk_settings = settings.model_copy(update={"database_url": str(sqlite_engine.url)})
    assert latest_feature_set(on_disk_settings).version == info.version

    again = build_store(den_logs, team_logs, settings=settings, engine=sqlite_engine)
    assert again.reused
    assert again.version == info.version
    with Session(sqlite_engine) as session:
        assert session.scalar(select(func.count()).select_from(FeatureSet)) == 1

    changed = den_logs.assign(
        pts=den_logs["pts"] + (den_logs["game_date"] == den_logs["game_date"].max())
    )
    other = build_store(changed, team_logs, settings=settings, engine=sqlite_engine)
    assert other.version != info.version
    assert latest_feature_set(sqlite_engine).version == other.version


def test_store_serves_the_same_vector_as_the_frame(
    den_logs: pd.DataFrame, team_logs: pd.DataFrame, settings: Settings, sqlite_engine: Engine
) -> None:
    info = build_store(den_logs, team_logs, settings=settings, engine=sqlite_engine)
    frame = load_store(sqlite_engine, seasons=["2025-26"])
    assert set(frame["season"]) == {"2025-26"}
    row = frame[(frame["player_id"] == JOKIC) & (frame["game_date"] == pd.Timestamp("2025-11-08"))]
    store = FeatureStore.open(sqlite_engine)
    vector = store.vector(JOKIC, dt.date(2025, 11, 8))
    pd.testing.assert_series_equal(
        vector.drop("season"), row.iloc[0].drop("season"), check_names=False
    )
    from_disk = read_player_features(info, JOKIC)
    assert set(from_disk["player_id"]) == {JOKIC}
    assert len(from_disk) == (den_logs["player_id"] == JOKIC).sum()
    with pytest.raises(NotFoundError):
        store.vector(JOKIC, dt.date(2025, 7, 1))


def test_features_build_command_builds_reuses_and_train_refuses_a_stale_set(
    den_logs: pd.DataFrame,
    team_logs: pd.DataFrame,
    sqlite_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    den_logs.to_parquet(bundle / "player_game_logs.parquet")
    team_logs.to_parquet(bundle / "team_game_logs.parquet")
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BUNDLED_DATA_DIR", str(bundle))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["features", "build", "--source", "bundled"])
        assert first.exit_code == 0, first.output
        assert "built feature set" in first.output
        second = runner.invoke(app, ["features", "build", "--source", "bundled"])
        assert "reused feature set" in second.output
        monkeypatch.setattr(store, "FEATURES", [*FEATURES, _added_feature])
        stale = runner.invoke(app, ["train", "--quick", "--stats", "points"])
        assert stale.exit_code == 2, stale.output
        assert "statmusepicks features build" in " ".join(stale.output.split())
    finally:
        get_settings.cache_clear()
    assert load_store(sqlite_engine)["player_id"].isin(den_logs["player_id"]).all()


def _added_feature(inputs: FeatureInputs) -> pd.DataFrame:
    return pd.DataFrame({"f_added": np.zeros(len(inputs.targets))})


def test_a_set_of_other_feature_code_is_not_current_until_rebuilt(
    den_logs: pd.DataFrame,
    team_logs: pd.DataFrame,
    settings: Settings,
    sqlite_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = build_store(den_logs, team_logs, settings=settings, engine=sqlite_engine)
    assert current_feature_set(sqlite_engine).version == info.version
    monkeypatch.setattr(store, "FEATURES", [*FEATURES, _added_feature])
    with pytest.raises(DataError, match="statmusepicks features build"):
        current_feature_set(sqlite_engine)
    rebuilt = build_store(den_logs, team_logs, settings=settings, engine=sqlite_engine)
    assert not rebuilt.reused
    assert rebuilt.version != info.version
    assert current_feature_set(sqlite_engine).version == rebuilt.version
