"""`statmusepicks deploy switch`: a blue-green release behind nginx (see docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from statmusepicks.cli.blue_green import (
    DEFAULT_SMOKE_CHECKS,
    SwitchAborted,
    SwitchPlan,
    load_smoke_checks,
    switch,
)
from statmusepicks.cli.common import console

app = typer.Typer(help="Release a new version beside the old one and switch nginx to it.")

DEFAULT_START = "statmusepicks serve --host 127.0.0.1 --port {port} --workers 2"


@app.command("switch")
def switch_command(
    upstream_file: Path = typer.Option(
        Path("/etc/nginx/statmusepicks/upstream.conf"),
        help="The `server` lines nginx includes in its upstream block (rewritten).",
    ),
    state_file: Path = typer.Option(
        Path("var/deploy/state.json"), help="Which colour is live, its port and process id."
    ),
    start_command: str = typer.Option(
        DEFAULT_START, help="Starts the new version; `{port}` is replaced by its port."
    ),
    blue_port: int = typer.Option(8001, help="Port of the blue version."),
    green_port: int = typer.Option(8002, help="Port of the green version."),
    ready_path: str = typer.Option(
        "/health/ready", help="Answers 200 once the version has loaded what it serves."
    ),
    ready_timeout: float = typer.Option(120.0, help="Seconds to wait for readiness."),
    smoke_file: Path | None = typer.Option(
        None, help="JSON list of smoke checks (default: /health, /openapi.json, a public page)."
    ),
    reload_command: str = typer.Option("nginx -s reload", help="Makes nginx read the file."),
    drain_seconds: float = typer.Option(10.0, help="Seconds the old version keeps draining."),
    stop_timeout: float = typer.Option(30.0, help="Seconds before a SIGTERM becomes SIGKILL."),
) -> None:
    """Start the idle colour, check it, point nginx at it, then stop the old colour."""
    plan = SwitchPlan(
        upstream_file=upstream_file,
        state_file=state_file,
        start_command=start_command,
        ports={"blue": blue_port, "green": green_port},
        ready_path=ready_path,
        ready_timeout=ready_timeout,
        smoke_checks=load_smoke_checks(smoke_file) if smoke_file else list(DEFAULT_SMOKE_CHECKS),
        reload_command=reload_command,
        drain_seconds=drain_seconds,
        stop_timeout=stop_timeout,
    )
    try:
        live = switch(plan)
    except SwitchAborted as exc:
        console.print(f"[red]release aborted, the previous version still serves:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    console.print(f"{live.colour} is live on port {live.port} (pid {live.pid})")
