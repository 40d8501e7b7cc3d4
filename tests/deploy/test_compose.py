"""The image and compose files agree with the repository, the CLI and each other.

No Docker daemon here: the files are parsed and every reference is followed to what it names
(a CLI command, a file the image copies, a compose service, a mounted directory).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from statmusepicks.cli.main import app as cli

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_IMAGE = "statmusepicks:${STATMUSEPICKS_TAG:-latest}"
SERVICES = {
    "init",
    "api",
    "worker",
    "nginx",
    "postgres",
    "redis",
    "mlflow",
    "prometheus",
    "grafana",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of every Dockerfile line, continuations joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _args(dockerfile: list[tuple[str, str]], instruction: str) -> list[str]:
    return [args for name, args in dockerfile if name == instruction]


def _ignored() -> set[str]:
    """The .dockerignore patterns (comments left out)."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Services run from the StatMusePicks image through its entry point."""
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == APP_IMAGE and "entrypoint" not in service
    }


def test_the_stack_has_every_service_and_two_api_replicas(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == SERVICES
    assert compose["services"]["api"]["deploy"]["replicas"] == 2


def test_every_app_command_exists_in_the_cli(compose: dict[str, Any]) -> None:
    runner = CliRunner()
    commands = {name: s["command"] for name, s in _app_services(compose).items()}
    assert set(commands) == {"init", "api", "worker"}
    for name, command in commands.items():
        assert command[0] == "statmusepicks", name
        # --help after the options: click rejects unknown commands and options before helping.
        result = runner.invoke(cli, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{name}: {command} -> {result.output}"


def test_the_image_default_command_exists_in_the_cli(dockerfile: list[tuple[str, str]]) -> None:
    command = yaml.safe_load(_args(dockerfile, "CMD")[-1])
    assert command[0] == "statmusepicks"
    assert CliRunner().invoke(cli, [*command[1:], "--help"]).exit_code == 0


def test_the_image_is_slim_multi_stage_non_root_and_health_checked(
    dockerfile: list[tuple[str, str]],
) -> None:
    stages = _args(dockerfile, "FROM")
    assert len(stages) >= 2
    assert all(stage.startswith("python:3.11-slim") for stage in stages)
    assert _args(dockerfile, "USER")[-1] not in {"root", "0"}
    assert "/health" in _args(dockerfile, "HEALTHCHECK")[-1]
    entrypoint = yaml.safe_load(_args(dockerfile, "ENTRYPOINT")[-1])
    assert entrypoint == ["docker-entrypoint.sh"]


def test_every_file_the_image_copies_is_in_the_repository(
    dockerfile: list[tuple[str, str]],
) -> None:
    ignored = _ignored()
    copies = [args for args in _args(dockerfile, "COPY") if not args.startswith("--from")]
    assert copies
    for args in copies:
        *sources, _target = shlex.split(args)
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not any(
                source == pattern or source.startswith(f"{pattern}/") for pattern in ignored
            ), source
    entrypoint = ROOT / "deploy" / "docker-entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)
    for command in re.findall(r"^\s+(statmusepicks .+)$", entrypoint.read_text(), re.M):
        assert CliRunner().invoke(cli, [*shlex.split(command)[1:], "--help"]).exit_code == 0


def test_the_build_context_leaves_out_local_state() -> None:
    assert {".git", ".venv", "var", ".env"} <= _ignored()


def test_bind_mounts_exist_and_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"
            else:
                used.add(source)
    assert used == declared


def test_depends_on_names_services(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        assert set(service.get("depends_on", [])) <= SERVICES


def _upstream_servers() -> list[tuple[str, int]]:
    text = (DEPLOY / "nginx" / "upstream" / "upstream.conf").read_text()
    return [
        (host, int(port)) for host, port in re.findall(r"^server\s+([\w.-]+):(\d+)", text, re.M)
    ]


def test_nginx_proxies_to_the_api_service_on_the_port_it_serves(
    compose: dict[str, Any], dockerfile: list[tuple[str, str]]
) -> None:
    api = compose["services"]["api"]
    port = int(api["command"][api["command"].index("--port") + 1])
    assert _upstream_servers() == [("api", port)]
    assert str(port) in api["expose"]
    assert _args(dockerfile, "EXPOSE") == [str(port)]
    nginx = compose["services"]["nginx"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":", 1) for volume in nginx["volumes"])
    assert mounts["./nginx/upstream"] == "/etc/nginx/statmusepicks"
    site = (DEPLOY / "nginx" / "conf.d" / "statmusepicks.conf").read_text()
    assert "include /etc/nginx/statmusepicks/upstream.conf;" in site


def test_tls_certificates_come_from_the_mounted_certs_directory(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":", 1) for volume in nginx["volumes"])
    target = mounts["./nginx/certs"]
    site = (DEPLOY / "nginx" / "conf.d" / "statmusepicks.conf").read_text()
    paths = re.findall(r"ssl_certificate(?:_key)?\s+(\S+);", site)
    assert sorted(paths) == [f"{target}/fullchain.pem", f"{target}/privkey.pem"]
    assert "443:443" in nginx["ports"]


def test_the_app_reaches_its_dependencies_by_service_name(compose: dict[str, Any]) -> None:
    for name, service in _app_services(compose).items():
        environment = service["environment"]
        assert "@postgres:5432/" in environment["DATABASE_URL"], name
        assert environment["REDIS_URL"].startswith("redis://redis:6379"), name
        assert environment["MLFLOW_TRACKING_URI"] == "http://mlflow:5000", name
        assert environment["ENVIRONMENT"] == "production", name
    mlflow = compose["services"]["mlflow"]
    assert "5000" in mlflow["command"]
    assert "5000" in mlflow["expose"]


def test_prometheus_scrapes_compose_services() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    for job in config["scrape_configs"]:
        for discovery in job.get("dns_sd_configs", []):
            assert set(discovery["names"]) <= SERVICES
    datasource = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
