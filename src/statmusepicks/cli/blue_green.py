"""Blue-green releases behind nginx: start the new version beside the old, prove it, switch.

The steps, each of which can stop the release while the old version keeps serving:

1. start the new version on the idle colour's port (`start_command` with `{port}` filled in);
2. wait until its readiness path answers 200 (and, for a JSON body, `ok` is not false);
3. run the smoke checks against it directly (not through nginx);
4. rewrite the upstream include file atomically and reload nginx (`nginx -s reload` starts new
   workers on the new file; old workers finish the requests they hold);
5. after `drain_seconds`, stop the old version with SIGTERM (uvicorn finishes in-flight requests)
   and SIGKILL only if it outlives `stop_timeout`.

Which colour is live, on which port and under which process id, is kept in a small JSON state
file beside the upstream file, so the next release knows what to replace.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

Colour = Literal["blue", "green"]


class SwitchAborted(Exception):
    """The new version was not put live; the old one (if any) still serves."""


class SmokeCheck(BaseModel):
    """One request the new version must answer with `expect_status` before it goes live."""

    model_config = ConfigDict(populate_by_name=True)

    method: Literal["GET", "POST"] = "GET"
    path: str
    body: Any | None = Field(default=None, alias="json")
    headers: dict[str, str] = Field(default_factory=dict)
    expect_status: int = 200


# Cheap requests that touch the app, its routing and its error handling without needing a key.
DEFAULT_SMOKE_CHECKS = [
    SmokeCheck(path="/health"),
    SmokeCheck(path="/openapi.json"),
    SmokeCheck(path="/api/responsible-gambling"),
]


class Instance(BaseModel):
    """A running version: its colour, port and process id."""

    colour: Colour
    port: int
    pid: int


class DeployState(BaseModel):
    """What the state file holds: the live instance, if any."""

    live: Instance | None = None


@dataclass
class SwitchPlan:
    """Everything a release needs to know; the defaults suit one host running nginx."""

    upstream_file: Path
    state_file: Path
    start_command: str
    ports: dict[Colour, int] = field(default_factory=lambda: {"blue": 8001, "green": 8002})
    host: str = "127.0.0.1"
    ready_path: str = "/health/ready"
    ready_timeout: float = 120.0
    smoke_checks: list[SmokeCheck] = field(default_factory=lambda: list(DEFAULT_SMOKE_CHECKS))
    reload_command: str = "nginx -s reload"
    drain_seconds: float = 10.0
    stop_timeout: float = 30.0
    log_dir: Path | None = None

    def base_url(self, port: int) -> str:
        """Where an instance answers, bypassing nginx."""
        return f"http://{self.host}:{port}"


def read_state(path: Path) -> DeployState:
    """The recorded live instance (none before the first release)."""
    if not path.exists():
        return DeployState()
    return DeployState.model_validate_json(path.read_text())


def _write_atomically(path: Path, text: str) -> None:
    # A reader (nginx, the next release) sees the old file or the new one, never half of one.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def upstream_servers(host: str, port: int) -> str:
    """The include file's text: the `server` lines of the upstream block."""
    return (
        "# Written by `statmusepicks deploy switch`: the live version of the API.\n"
        f"server {host}:{port};\n"
    )


def start_instance(plan: SwitchPlan, port: int) -> subprocess.Popen[bytes]:
    """Start `start_command` on `port` in its own session, so it outlives this command."""
    log_dir = plan.log_dir or plan.state_file.parent
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"api-{port}.log").open("ab") as log:
        return subprocess.Popen(
            shlex.split(plan.start_command.format(port=port)),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _is_ready(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    if not response.headers.get("content-type", "").startswith("application/json"):
        return True
    body = response.json()
    return not (isinstance(body, dict) and body.get("ok") is False)


def wait_ready(plan: SwitchPlan, port: int, process: subprocess.Popen[bytes]) -> None:
    """Poll the readiness path until it answers, the process dies or the time runs out."""
    deadline = time.monotonic() + plan.ready_timeout
    url = plan.base_url(port) + plan.ready_path
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SwitchAborted(f"the new version exited with {process.returncode}")
            try:
                if _is_ready(client.get(url)):
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            time.sleep(0.25)
    raise SwitchAborted(f"{url} was not ready within {plan.ready_timeout:g} s")


def smoke_failures(base_url: str, checks: list[SmokeCheck]) -> list[str]:
    """One line per failed check (empty when every check passed)."""
    failures = []
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        for check in checks:
            try:
                response = client.request(
                    check.method, check.path, json=check.body, headers=check.headers
                )
            except httpx.HTTPError as exc:
                failures.append(f"{check.method} {check.path}: {type(exc).__name__}")
                continue
            if response.status_code != check.expect_status:
                failures.append(
                    f"{check.method} {check.path}: {response.status_code}, "
                    f"expected {check.expect_status}"
                )
    return failures


def _alive(pid: int) -> bool:
    try:
        # A child of this process (tests, or a release aborted here) must be reaped first.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_instance(pid: int, timeout: float) -> None:
    """SIGTERM (uvicorn drains in-flight requests), then SIGKILL after `timeout` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.1)


def _reload_proxy(command: str) -> None:
    subprocess.run(shlex.split(command), check=True, capture_output=True, timeout=30)


def _put_live(plan: SwitchPlan, port: int, previous: str | None) -> None:
    """Point nginx at `port`; on a failed reload, put the previous file back."""
    _write_atomically(plan.upstream_file, upstream_servers(plan.host, port))
    try:
        _reload_proxy(plan.reload_command)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        if previous is None:
            plan.upstream_file.unlink(missing_ok=True)
        else:
            _write_atomically(plan.upstream_file, previous)
        raise SwitchAborted(f"nginx reload failed: {exc}") from exc


def switch(plan: SwitchPlan) -> Instance:
    """Release a new version; raises `SwitchAborted` (old version still live) on any failure."""
    state = read_state(plan.state_file)
    colour: Colour = "green" if state.live and state.live.colour == "blue" else "blue"
    port = plan.ports[colour]
    process = start_instance(plan, port)
    previous = plan.upstream_file.read_text() if plan.upstream_file.exists() else None
    try:
        wait_ready(plan, port, process)
        failures = smoke_failures(plan.base_url(port), plan.smoke_checks)
        if failures:
            raise SwitchAborted("smoke checks failed: " + "; ".join(failures))
        _put_live(plan, port, previous)
    except SwitchAborted:
        stop_instance(process.pid, plan.stop_timeout)
        raise
    live = Instance(colour=colour, port=port, pid=process.pid)
    _write_atomically(plan.state_file, DeployState(live=live).model_dump_json(indent=2))
    if state.live is not None:
        time.sleep(plan.drain_seconds)
        stop_instance(state.live.pid, plan.stop_timeout)
    return live


def load_smoke_checks(path: Path) -> list[SmokeCheck]:
    """Checks from a JSON file: a list of {method, path, json, headers, expect_status}."""
    return [SmokeCheck.model_validate(item) for item in json.loads(path.read_text())]
