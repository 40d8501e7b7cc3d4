"""`statmusepicks replay --report-only` re-scores the boards a replay already graded."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from tests.environments import cli_environment
from tests.unit.evaluation.test_replay_summary import graded


def test_an_interrupted_replay_is_reported_from_its_graded_boards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "replay"
    (output / "graded").mkdir(parents=True)
    graded().drop(columns="close_market_over_probability").to_csv(
        output / "graded" / "2025-10-27.csv", index=False
    )
    with cli_environment(tmp_path, monkeypatch):
        result = CliRunner().invoke(
            app,
            [
                "replay", "--start", "2025-10-26", "--end", "2025-10-28",
                "--output", str(output), "--report-only", "--bootstrap", "100",
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "| 2025-10-20 | 1 |" in result.output
    assert "| 2025-10-27 | 2 |" in result.output
    assert (output / "report" / "report.md").exists()


def test_an_unknown_job_to_skip_is_refused() -> None:
    result = CliRunner().invoke(
        app, ["replay", "--start", "2025-10-26", "--end", "2025-10-28", "--skip", "nope"]
    )
    structlog.reset_defaults()
    assert result.exit_code == 2
    assert "no such job: nope" in result.output
