"""Blue-green releases behind a real nginx, under load, with `statmusepicks serve` instances.

One nginx and one live version serve the whole module; each test releases a new version with
`switch` while four clients keep calling through nginx, and counts every answer.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from statmusepicks.cli.blue_green import (
    DEFAULT_SMOKE_CHECKS,
    SmokeCheck,
    SwitchAborted,
    SwitchPlan,
    read_state,
    switch,
)
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine
from tests.reliability.load import Call, Load, summary
from tests.reliability.servers import PrivateNginx, free_port, kill_quietly

pytestmark = pytest.mark.reliability

STATMUSEPICKS = Path(sys.executable).parent / "statmusepicks"
CONTEXT = {"player": "Nikola Jokic", "stat": "points", "limit": 5}
# A release must serve the data, not only start: an empty database fails this check.
CONTEXT_CHECK = SmokeCheck(path="/api/player_context?player=Nikola%20Jokic&stat=points&limit=5")

CALLS: dict[str, Call] = {
    "health": lambda client: client.get("/health"),
    "context": lambda client: client.get("/api/player_context", params=CONTEXT),
    "batch": lambda client: client.post(
        "/api/batch_player_context",
        json=[{"player": "Nikola Jokic", "stat": "rebounds", "limit": 3}],
    ),
}


def start_command(database_url: str, var_dir: Path) -> str:
    """`statmusepicks serve` on `{port}` over `database_url`, without Redis or MLflow."""
    environment = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
        "LOG_LEVEL": "WARNING",
    }
    assignments = " ".join(f"{name}={value}" for name, value in environment.items())
    return f"env {assignments} {STATMUSEPICKS} serve --host 127.0.0.1 --port {{port}}"


@dataclasses.dataclass
class Release:
    plan: SwitchPlan
    nginx: PrivateNginx
    root: Path


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, loaded_sqlite_url: str) -> Iterator[Release]:
    """nginx in front of a first version deployed with `switch` (nothing to replace yet)."""
    root = tmp_path_factory.mktemp("blue-green")
    database = root / "loaded.db"
    database.write_bytes(Path(loaded_sqlite_url.removeprefix("sqlite:///")).read_bytes())
    upstream = root / "upstream.conf"
    nginx = PrivateNginx(root / "nginx", upstream)
    plan = SwitchPlan(
        upstream_file=upstream,
        state_file=root / "state.json",
        start_command=start_command(f"sqlite:///{database}", root / "var"),
        ports={"blue": free_port(), "green": free_port()},
        ready_timeout=50,
        smoke_checks=[*DEFAULT_SMOKE_CHECKS, CONTEXT_CHECK],
        reload_command=nginx.reload_command,
        drain_seconds=2,
        stop_timeout=10,
    )
    # nginx starts on the first version's file, so the first release has nothing to reload.
    first = switch(dataclasses.replace(plan, reload_command="true"))
    nginx.start()
    try:
        yield Release(plan, nginx, root)
    finally:
        nginx.stop()
        live = read_state(plan.state_file).live
        kill_quietly(first.pid)
        if live is not None:
            kill_quietly(live.pid)


def _listening(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    except httpx.HTTPError:
        return False
    return True


def test_a_release_under_load_drops_no_request(release: Release) -> None:
    old = read_state(release.plan.state_file).live
    assert old is not None
    with Load(release.nginx.url, CALLS, max_seconds=55) as load:
        new = switch(release.plan)
    statuses = summary(load.outcomes)
    upstreams = {o.upstream for o in load.outcomes}
    print(
        f"\nblue-green switch {old.colour} -> {new.colour}: {load.count()} requests through "
        f"nginx, {dict(statuses)}; answered by {sorted(u or '-' for u in upstreams)}"
    )
    assert new.colour != old.colour
    assert set(statuses) == {"200"}, statuses
    assert upstreams == {f"127.0.0.1:{old.port}", f"127.0.0.1:{new.port}"}
    assert not _listening(old.port)
    assert httpx.get(release.nginx.url + "/health").headers["x-upstream"].endswith(str(new.port))


def test_a_failed_smoke_check_leaves_the_old_version_serving(release: Release) -> None:
    old = read_state(release.plan.state_file).live
    assert old is not None
    upstream_before = release.plan.upstream_file.read_text()
    empty = release.root / "empty.db"
    engine = make_engine(f"sqlite:///{empty}")
    upgrade(engine)
    engine.dispose()
    broken = dataclasses.replace(
        release.plan, start_command=start_command(f"sqlite:///{empty}", release.root / "var2")
    )
    with (
        Load(release.nginx.url, CALLS, max_seconds=55) as load,
        pytest.raises(SwitchAborted, match="smoke checks failed"),
    ):
        switch(broken)
    statuses = summary(load.outcomes)
    print(f"\nrejected release: {load.count()} requests through nginx, {dict(statuses)}")
    assert set(statuses) == {"200"}, statuses
    assert {o.upstream for o in load.outcomes} == {f"127.0.0.1:{old.port}"}
    assert read_state(release.plan.state_file).live == old
    assert release.plan.upstream_file.read_text() == upstream_before
    idle_port = next(port for port in release.plan.ports.values() if port != old.port)
    assert not _listening(idle_port)
    assert _listening(old.port)
