"""`statmusepicks backtest` from the command line on a small real bundle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from statmusepicks.cli.main import app
from statmusepicks.data.db.models import Backtest
from statmusepicks.data.db.session import make_engine
from tests.environments import cli_environment


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundle_dir: Path) -> Iterator[str]:
    with cli_environment(tmp_path, monkeypatch, BUNDLED_DATA_DIR=str(bundle_dir)) as url:
        yield url


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, ["backtest", *args])


def test_a_backtest_prints_its_figures_writes_its_report_and_is_stored(
    database: str, tmp_path: Path
) -> None:
    output = tmp_path / "report"
    result = invoke(
        "--start",
        "2025-10-21",
        "--end",
        "2025-10-23",
        "--strategy",
        "kelly",
        "--source",
        "bundled",
        "--output",
        str(output),
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    printed = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert "real sportsbook lines" in printed
    assert "kelly" in printed
    assert (output / "report.html").exists()
    assert (output / "bets.csv").exists()
    engine = make_engine(database)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Backtest)).scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--strategy", "martingale"), "strategy must be"),
        (("--pricer", "crystal_ball"), "Unknown pricer"),
    ],
)
def test_bad_options_are_explained(database: str, args: tuple[str, ...], message: str) -> None:
    result = invoke("--start", "2025-10-21", "--end", "2025-10-22", "--source", "bundled", *args)
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert message in " ".join(result.output.split())  # type: ignore[attr-defined]
