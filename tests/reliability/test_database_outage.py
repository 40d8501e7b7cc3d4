"""PostgreSQL stops under load: every request gets an answer, outages are 503 + Retry-After.

A private cluster on its own port is stopped (fast shutdown: sessions cut) while four clients
keep calling endpoints that read the database on every request, then started again. The app is
never restarted: its pool must notice the dead connections and reconnect by itself.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.ingest.bundled import load_bundled
from statmusepicks.services.container import Container, build_container
from statmusepicks.services.keys import create_key
from tests import factories
from tests.reliability.load import Call, Load, reading_calls, summary
from tests.reliability.servers import PrivatePostgres
from tests.servers import serve_in_thread

pytestmark = pytest.mark.reliability

OUTAGE_SECONDS = 6.0
REQUEST_BUDGET_SECONDS = 30.0
RECOVERY_LIMIT_SECONDS = 10.0


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.fixture
def small_bundle(tmp_path: Path) -> Path:
    """One team's current season: enough to serve its players, quick to load."""
    return factories.write_bundle(
        tmp_path / "bundle",
        player_logs=factories.player_logs(teams=["DEN"], seasons=["2025-26"]),
        team_logs=factories.team_logs(seasons=["2025-26"]),
        prop_lines=factories.prop_lines(teams=["DEN"]).head(0),
        game_odds=factories.game_odds(seasons=["2025-26"]),
    )


@pytest.fixture
def postgres_container(
    private_postgres: PrivatePostgres, small_bundle: Path, tmp_path: Path
) -> Iterator[Container]:
    settings = Settings(
        environment="test",
        var_dir=tmp_path / "var",
        database_url=private_postgres.url,
        redis_url=None,
        mlflow_tracking_uri="http://127.0.0.1:9",
        rate_limit_per_minute=100_000,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = build_container(settings)
    upgrade(container.engine)
    load_bundled(container.engine, small_bundle)
    yield container
    container.close()


def _calls(key: str) -> dict[str, Call]:
    """Endpoints that read the database on every request, with and without a known key."""
    return {
        **reading_calls(key),
        # An unknown key is looked up in the database by the protection middleware.
        "unknown_key": lambda client: client.get(
            "/api/backtests", headers={"X-API-Key": f"smp_{uuid.uuid4().hex}"}
        ),
    }


def _first_success(base_url: str, key: str, deadline: float) -> float:
    """When a database-reading request first succeeded again (the deadline if none did)."""
    with httpx.Client(base_url=base_url, timeout=RECOVERY_LIMIT_SECONDS) as probe:
        while time.monotonic() < deadline:
            if probe.get("/api/backtests", headers={"X-API-Key": key}).status_code == 200:
                break
            time.sleep(0.1)
    return time.monotonic()


def test_requests_during_a_database_outage_get_503_and_the_service_recovers(
    postgres_container: Container, private_postgres: PrivatePostgres
) -> None:
    key = create_key(postgres_container, "reliability").key
    app = create_app(postgres_container.settings, container=postgres_container)
    with serve_in_thread(app) as base_url, Load(base_url, _calls(key), max_seconds=25) as load:
        time.sleep(2.0)
        outage_start = time.monotonic()
        private_postgres.stop()
        outage_begun = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        restart = time.monotonic()
        private_postgres.start()
        restarted = time.monotonic()
        recovered = _first_success(base_url, key, restarted + RECOVERY_LIMIT_SECONDS)
        time.sleep(3.0)
        end = time.monotonic()

    before = [o for o in load.between(0, outage_start) if o.started + o.seconds < outage_start]
    during = load.between(outage_begun, restart)
    after = load.between(recovered, end)
    every = load.outcomes
    print(
        f"\ndatabase outage: {len(every)} requests; before {dict(summary(before))}, "
        f"during {dict(summary(during))}, after recovery {dict(summary(after))}; "
        f"recovered {recovered - restarted:.2f} s after restart; "
        f"slowest answer {max(o.seconds for o in every):.2f} s"
    )
    statuses = summary(every)
    assert recovered - restarted < RECOVERY_LIMIT_SECONDS
    assert not [status for status in statuses if status.startswith("error:")], statuses
    assert {status for status in statuses if status.startswith("5")} <= {"503"}, statuses
    assert all(o.retry_after for o in every if o.status == 503), "503 without Retry-After"
    assert max(o.seconds for o in every) < REQUEST_BUDGET_SECONDS
    assert set(summary(before)) <= {"200", "401"}
    assert during
    assert set(summary(during)) == {"503"}
    assert after
    assert set(summary(after)) <= {"200", "401"}
