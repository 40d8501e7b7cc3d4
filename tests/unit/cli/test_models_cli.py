"""`train` and `models` commands: clear messages, no stack traces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.core.settings import get_settings


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'test.db'}")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_an_empty_registry_says_how_to_train(runner: CliRunner) -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    assert "train --quick" in result.output


def test_combos_are_refused_for_training_with_the_reason(runner: CliRunner) -> None:
    result = runner.invoke(app, ["train", "--stats", "pra"])
    assert result.exit_code == 2
    assert "components" in result.output


def test_promoting_an_unknown_version_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["models", "promote", "smp-points-global", "7"])
    assert result.exit_code == 2
    assert "no version 7" in result.output
