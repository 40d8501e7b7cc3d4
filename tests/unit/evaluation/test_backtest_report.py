"""Report files: every output present, self-contained, and labelled synthetic when it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from statmusepicks.evaluation.backtest import BacktestEngine
from statmusepicks.evaluation.backtest_report import render_html, write_report
from statmusepicks.evaluation.backtest_types import BacktestConfig, BacktestResult
from tests.unit.evaluation.seasons import DAY, FixedPricer, box_scores, coin_season


def _result(synthetic: bool) -> BacktestResult:
    lines = coin_season(props=200, days=4, seed=5)
    config = BacktestConfig(
        start=DAY, end=max(lines["game_date"]), synthetic=synthetic, bootstrap_samples=100
    )

    class Predicting(FixedPricer):
        def price(self, props: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
            priced = super().price(props, history)
            return priced.assign(predicted=props["line"] + (props["player_id"] % 5 - 2.0))

    pricer = Predicting(lambda row: 0.45 + 0.02 * (row.player_id % 6))
    return BacktestEngine(config).run(lines, box_scores([DAY], [1]), pricer)


@pytest.fixture(scope="module", params=[True, False], ids=["synthetic", "real"])
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One report per label, written once for the module (charts are the slow part)."""
    directory = tmp_path_factory.mktemp("report")
    return {"synthetic": request.param, "files": write_report(_result(request.param), directory)}


def test_every_output_is_written_and_says_whether_the_lines_were_real(report: dict) -> None:
    files, synthetic = report["files"], report["synthetic"]
    for name in ("bets", "summary_csv", "summary_json", "probability_csv", "html"):
        assert files[name].exists()
    for chart in ("bankroll", "reliability", "roi_by_edge", "brier_by_stat"):
        assert files[chart].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(files["summary_json"].read_text())["synthetic"] is synthetic
    assert set(pd.read_csv(files["summary_csv"])["synthetic"]) == {synthetic}
    assert set(pd.read_csv(files["bets"])["synthetic"]) == {synthetic}
    assert set(pd.read_csv(files["probability_csv"])["synthetic"]) == {synthetic}
    assert ("SYNTHETIC" in files["html"].read_text()) is synthetic


def test_the_html_report_embeds_its_charts_and_loads_nothing_from_outside(report: dict) -> None:
    html = report["files"]["html"].read_text()
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 4
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_json_summary_has_no_nan(report: dict) -> None:
    assert "NaN" not in report["files"]["summary_json"].read_text()


def test_the_bets_file_is_optional(tmp_path: Path) -> None:
    result = _result(False)
    result.summary["probability"]["overall"] = None  # no charts needed for this check
    result.curves = result.curves.iloc[0:0]
    files = write_report(result, tmp_path, include_bets=False)
    assert "bets" not in files
    assert not (tmp_path / "bets.csv").exists()


def test_names_in_the_html_report_are_escaped() -> None:
    result = _result(False)
    result.pricer_name = result.summary["pricer"] = "<script>alert(1)</script>"
    strategy = next(iter(result.summary["strategies"].values()))
    strategy["by_book"] = {"<b>book</b>": {"bets": 3, "roi": 0.1, "roi_ci95": None}}
    html = render_html(result, {})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;book&lt;/b&gt;" in html
