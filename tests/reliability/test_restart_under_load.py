"""Restarts under load: `serve --workers 2` answering its first eight concurrent predictions while
another process keeps the same SQLite file and MLflow store busy.

Each round starts the busy process (long write transactions on the database, the MLflow store
exclusively locked, its creation lock held), then a fresh server, and sends eight predictions
at once as soon as the port accepts. Every answer must be a 200 within the bound.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from statmusepicks.core.settings import Settings
from statmusepicks.data.db.session import make_session_factory
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.models.registry import ModelRegistry
from statmusepicks.services.container import build_container
from statmusepicks.services.keys import create_key
from tests import factories
from tests.integration.api.conftest import fit_slice_models
from tests.reliability.servers import free_port, wait_until

pytestmark = pytest.mark.reliability

ROUNDS = 4
STATS = ("points", "rebounds", "assists", "threes")
BOUND_SECONDS = 15.0


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory,
    loaded_sqlite_url: str,
) -> tuple[Settings, str]:
    """A var directory with the loaded database, champions registered in a real MLflow store
    and an API key."""
    var = tmp_path_factory.mktemp("restart") / "var"
    var.mkdir()
    database = var / "statmusepicks.db"
    database.write_bytes(Path(loaded_sqlite_url.removeprefix("sqlite:///")).read_bytes())
    settings = Settings(
        environment="test",
        var_dir=var,
        database_url=f"sqlite:///{database}",
        _env_file=None,  # type: ignore[call-arg]
    )
    container = build_container(settings)
    registry = ModelRegistry(settings, make_session_factory(container.engine))
    models = fit_slice_models(build_feature_frame(factories.player_logs(), factories.team_logs()))
    for model in models:
        registry.register(model, promote="champion")
    key = create_key(container, "restart").key
    container.close()
    return settings, key


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "VAR_DIR": str(settings.var_dir),
        "DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "LOG_LEVEL": "WARNING",
    }


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def _predict(base_url: str, key: str, index: int) -> tuple[int | str, float]:
    started = time.monotonic()
    try:
        response = httpx.post(
            f"{base_url}/api/predict",
            headers={"X-API-Key": key},
            json={"player": "Nikola Jokic", "stat": STATS[index % 4], "line": 2.5 + index % 3},
            timeout=40,
        )
    except httpx.HTTPError as exc:
        return type(exc).__name__, time.monotonic() - started
    return response.status_code, time.monotonic() - started


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _round(settings: Settings, key: str) -> list[tuple[int | str, float]]:
    store = settings.mlflow_tracking_uri.removeprefix("sqlite:///")
    environment = _environment(settings)
    busy = subprocess.Popen(
        [sys.executable, "-m", "tests.stores_busy", settings.database_url, store],
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
    )
    port = free_port()
    # What `statmusepicks serve --workers 2` runs.
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "statmusepicks.api.app:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "2"),
            *("--log-level", "warning"),
        ],
        env=environment,
    )
    try:
        time.sleep(1.0)  # the busy process holds its locks before the server starts
        wait_until(lambda: _accepts(port), 120, "the server accepting connections")
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda i: _predict(f"http://127.0.0.1:{port}", key, i), range(8)))
    finally:
        _stop(server)
        busy.kill()
        busy.wait(timeout=10)


def test_restarts_beside_busy_stores_answer_every_first_request(
    deployment: tuple[Settings, str],
) -> None:
    settings, key = deployment
    results = [_round(settings, key) for _ in range(ROUNDS)]
    statuses = [status for round_ in results for status, _ in round_]
    slowest = max(seconds for round_ in results for _, seconds in round_)
    failed = [status for status in statuses if status != 200]
    print(
        f"\nrestart under load: {ROUNDS} rounds x 8 first requests, {statuses.count(200)} x 200, "
        f"{len(failed)} other {failed}, slowest {slowest:.2f} s"
    )
    assert not failed
    assert slowest < BOUND_SECONDS
