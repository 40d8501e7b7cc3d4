"""`statmusepicks replay --report-only` re-scores the boards a replay already graded."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.core.settings import get_settings
from statmusepicks.data.db.migrate import upgrade
from statmusepicks.data.db.session import make_engine
from tests.unit.evaluation.test_replay_summary import graded


def test_an_interrupted_replay_is_reported_from_its_graded_boards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "replay.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    output = tmp_path / "replay"
    (output / "graded").mkdir(parents=True)
    graded().drop(columns="close_market_over_probability").to_csv(
        output / "graded" / "2025-10-27.csv", index=False
    )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            [
                "replay", "--start", "2025-10-26", "--end", "2025-10-28",
                "--output", str(output), "--report-only", "--bootstrap", "100",
            ],
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
        structlog.reset_defaults()
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
