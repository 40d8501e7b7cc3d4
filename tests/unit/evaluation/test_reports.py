"""Report writers: a reliability diagram PNG and markdown/CSV tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from statmusepicks.evaluation.reports import markdown_table, reliability_diagram, write_tables


def test_the_reliability_diagram_is_a_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.2, 0.8, 500)
    y = (rng.random(500) < p).astype(float)
    path = reliability_diagram(y, {"model": p, "market": np.full(500, 0.5)}, tmp_path / "r.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tables_are_written_as_csv_and_one_markdown_report(tmp_path: Path) -> None:
    table = pd.DataFrame({"stat": ["points"], "mae": [4.4567891]})
    written = write_tables({"points_mae": table}, tmp_path, title="Evaluation")
    assert pd.read_csv(written["points_mae"])["mae"].iloc[0] == table["mae"].iloc[0]
    report = written["report"].read_text()
    assert "# Evaluation" in report
    assert "| points | 4.4568 |" in report
    assert markdown_table(table).splitlines()[1] == "|---|---|"
