"""Which runs count as real: only lines captured from sportsbooks (The Odds API)."""

from __future__ import annotations

import pandas as pd

from statmusepicks.services.backtests import is_synthetic


def test_lines_from_the_odds_api_are_real() -> None:
    lines = pd.DataFrame({"source": ["odds_api_historical", "odds_api_daily_snapshot"]})
    assert is_synthetic(lines) is False


def test_any_generated_line_makes_the_whole_run_synthetic() -> None:
    lines = pd.DataFrame({"source": ["odds_api_historical", "simulated"]})
    assert is_synthetic(lines) is True


def test_lines_without_provenance_are_synthetic() -> None:
    assert is_synthetic(pd.DataFrame({"line": [20.5]})) is True
