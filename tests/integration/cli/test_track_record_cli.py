"""`statmusepicks track-record verify|export|verify-file` on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.session import make_engine
from tests.environments import cli_environment
from tests.integration.test_record_chain import served_rows
from tests.prediction_rows import plant_predictions


def test_verify_export_and_check_the_file_then_name_an_edited_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    with cli_environment(tmp_path, monkeypatch) as url:
        engine = make_engine(url)
        plant_predictions(engine, served_rows(3, graded=2))
        verified = runner.invoke(app, ["track-record", "verify"])
        exported = runner.invoke(
            app,
            ["track-record", "export", "--output", str(tmp_path / "out"), "--as-of", "2025-11-13"],
        )
        records = tmp_path / "out" / "record-2025-11-13.csv"
        checked = runner.invoke(
            app,
            ["track-record", "verify-file", str(records), str(records.with_suffix(".head.json"))],
        )
        with engine.begin() as connection:
            connection.execute(
                update(Prediction).where(Prediction.chain_seq == 2).values(odds_over=+150)
            )
        broken = runner.invoke(app, ["track-record", "verify"])
        against_old_head = runner.invoke(
            app, ["track-record", "verify", "--head", str(records.with_suffix(".head.json"))]
        )
        engine.dispose()
    assert verified.exit_code == 0, verified.output
    assert "OK: 5 entries" in verified.output
    assert exported.exit_code == 0, exported.output
    assert checked.exit_code == 0, checked.output
    assert broken.exit_code == 1
    assert "entry 2, prediction" in broken.output
    assert "edited" in broken.output
    assert against_old_head.exit_code == 1
