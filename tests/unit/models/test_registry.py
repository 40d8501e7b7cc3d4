"""The registry: MLflow versions and aliases, mirrored to disk and the `models` table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statmusepicks.core.errors import NotFoundError
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models import ModelRecord
from statmusepicks.models.bundle import StatModel
from statmusepicks.models.predictor import load_predictor
from statmusepicks.models.registry import ModelRegistry, load_champions
from tests import factories

FEATURES = ["f_pts_season", "f_pts_sma10"]


@pytest.fixture(scope="module")
def registry_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One MLflow store for the module (creating its tables takes seconds)."""
    root = tmp_path_factory.mktemp("registry")
    return Settings(
        environment="test",
        var_dir=root / "var",
        database_url=f"sqlite:///{root / 'var' / 'test.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )


def _model(stat: str, valid_mae: float, seed: int = 0) -> StatModel:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(5, 30, size=(200, 2)), columns=FEATURES)
    y = x.mean(axis=1).to_numpy() + rng.normal(0, 2, 200)
    return factories.linear_model(stat, x, y, metrics={"valid_mae": valid_mae})


def test_first_version_is_champion_and_a_worse_one_only_challenger(
    registry_settings: Settings,
) -> None:
    registry = ModelRegistry(registry_settings)
    first = registry.register(_model("points", 4.6))
    second = registry.register(_model("points", 4.9))
    assert registry.aliases("smp-points-global") == {"champion": first, "challenger": second}
    better = registry.register(_model("points", 4.5))
    assert registry.aliases("smp-points-global")["champion"] == better


def test_rollback_restores_the_previous_champion(registry_settings: Settings) -> None:
    registry = ModelRegistry(registry_settings)
    old = registry.register(_model("rebounds", 2.0))
    new = registry.register(_model("rebounds", 1.9))
    assert registry.rollback("smp-rebounds-global") == old
    assert registry.aliases("smp-rebounds-global") == {"champion": old, "challenger": new}
    registry.promote("smp-rebounds-global", new)
    assert registry.aliases("smp-rebounds-global")["champion"] == new


def test_rollback_without_history_and_unknown_versions_are_clear_errors(
    registry_settings: Settings,
) -> None:
    registry = ModelRegistry(registry_settings)
    registry.register(_model("steals", 0.7))
    with pytest.raises(NotFoundError):
        registry.rollback("smp-steals-global")
    with pytest.raises(NotFoundError):
        registry.promote("smp-steals-global", "99")
    with pytest.raises(NotFoundError):
        registry.show("smp-nothing-global")


def test_champions_load_from_disk_when_mlflow_is_unreachable(
    registry_settings: Settings, tmp_path: Path
) -> None:
    registry = ModelRegistry(registry_settings)
    version = registry.register(_model("assists", 1.3))
    offline = registry_settings.model_copy(update={"mlflow_tracking_uri": "http://127.0.0.1:9"})
    names = {m.name: m.version for m in load_champions(offline)}
    assert names["smp-assists-global"] == version
    predictor = load_predictor(offline)
    rows = pd.DataFrame(
        {"player_id": [1], "f_pts_season": [20.0], "f_pts_sma10": [22.0], "f_ast_season": [5.0]}
    )
    [dist] = predictor.predict(rows, "assists")
    assert dist.scope == "global"
    assert dist.model_version == f"smp-assists-global:{version}"


def test_versions_and_aliases_are_mirrored_in_the_models_table(
    registry_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    registry = ModelRegistry(registry_settings, session_factory)
    first = registry.register(_model("turnovers", 1.0), promote="champion")
    second = registry.register(_model("turnovers", 1.1), promote="challenger")
    with session_factory() as session:
        rows = session.scalars(
            select(ModelRecord).where(ModelRecord.name == "smp-turnovers-global")
        ).all()
        aliases = {row.version: row.alias for row in rows}
    assert aliases == {first: "champion", second: "challenger"}
    assert registry.show("smp-turnovers-global")["versions"][0]["metrics"]["valid_mae"] == 1.0


def test_a_new_registry_over_an_old_models_table_replaces_the_stale_rows(
    registry_settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    # A second machine: its own fresh MLflow store numbers versions from 1 again, and the
    # shared database already mirrors version 1 of the first machine's registry.
    first, second = (
        registry_settings.model_copy(
            update={"var_dir": root, "mlflow_tracking_uri": f"sqlite:///{root / 'mlflow.db'}"}
        )
        for root in (tmp_path / "first", tmp_path / "second")
    )
    old = ModelRegistry(first, session_factory).register(_model("blocks", 0.6))
    version = ModelRegistry(second, session_factory).register(_model("blocks", 0.5))
    assert old == version
    with session_factory() as session:
        rows = session.scalars(
            select(ModelRecord).where(ModelRecord.name == "smp-blocks-global")
        ).all()
    assert [(row.version, row.alias, row.metrics["valid_mae"]) for row in rows] == [
        (version, "champion", 0.5)
    ]


def test_two_processes_opening_a_new_local_store_at_once_both_get_a_working_registry(
    tmp_path: Path,
) -> None:
    # Two server workers starting on a fresh machine: each creates the MLflow tables on first use.
    script = (
        "import sys; from pathlib import Path\n"
        "from statmusepicks.core.settings import Settings\n"
        "from statmusepicks.models.registry import ModelRegistry\n"
        "settings = Settings(environment='test', var_dir=Path(sys.argv[1]), _env_file=None)\n"
        "print(len(ModelRegistry(settings).client.search_registered_models()))\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / "var")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == ["0", "0"]
