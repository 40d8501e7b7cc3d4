"""`statmusepicks keys create|list|revoke|ensure-local` and `grade` on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from tests.environments import cli_environment


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with cli_environment(tmp_path, monkeypatch):
        yield {"VAR_DIR": str(tmp_path / "var")}


def test_keys_are_created_listed_revoked_and_the_local_key_is_stable(
    cli_env: dict[str, str],
) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "analyst"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("smp_")
    listed = runner.invoke(app, ["keys", "list"])
    assert "analyst" in listed.output
    assert key not in listed.output
    assert runner.invoke(app, ["keys", "revoke", "1"]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", "99"]).exit_code == 2
    first = runner.invoke(app, ["keys", "ensure-local"]).output.strip().splitlines()[-1]
    second = runner.invoke(app, ["keys", "ensure-local"]).output.strip().splitlines()[-1]
    assert first == second
    assert first.startswith("smp_")
    assert (Path(cli_env["VAR_DIR"]) / "local_api_key").stat().st_mode & 0o077 == 0


def test_grade_runs_on_an_empty_database(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["grade"])
    assert result.exit_code == 0, result.output
    assert "graded 0" in result.output
