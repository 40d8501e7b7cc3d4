"""The text-signal evaluation harness on planted data: it credits signals that carry
information the model lacks, and does not credit signals that carry none."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.evaluation.text_signals import compare_brier

SPLIT = dt.date(2025, 3, 1)


def planted_lines(informative: bool, lines: int = 4000, seed: int = 7) -> pd.DataFrame:
    """Lines over 120 days; a third carry a minutes restriction or an availability doubt.

    When `informative`, a restricted player goes over half as often as the model says (the
    model does not know about the note); otherwise the notes are independent of the outcome.
    """
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 120, lines), unit="D")
    p_over = rng.uniform(0.3, 0.7, lines)
    noted = rng.random(lines) < 1 / 3
    restricted = noted & (rng.random(lines) < 0.5)
    availability = np.where(noted & ~restricted, rng.choice([0.5, 0.75], lines), np.nan)
    truth = p_over.copy()
    if informative:
        truth = np.where(restricted, p_over * 0.5, truth)
        truth = np.where(availability == 0.5, p_over * 0.8, truth)
    return pd.DataFrame(
        {
            "game_date": days,
            "p_over": p_over,
            "over": (rng.random(lines) < truth).astype(int),
            "f_sig_availability": availability,
            "f_sig_minutes_restricted": np.where(noted, restricted.astype(float), np.nan),
            "f_sig_minutes_cap": np.where(restricted, 20.0, np.nan),
            "f_sig_role_change": np.nan,
        }
    )


def test_signals_that_carry_information_lower_the_brier_out_of_time() -> None:
    result = compare_brier(planted_lines(informative=True), SPLIT)
    assert result.improves
    assert result.brier_with_signals < result.brier_recalibrated
    assert result.interval[0] > 0
    assert 0 < result.test_lines < result.train_lines + result.test_lines < 4000 * 0.4


def test_signals_without_information_are_not_credited() -> None:
    result = compare_brier(planted_lines(informative=False), SPLIT)
    assert not result.improves
    assert result.interval[0] <= 0


def test_no_lines_with_signals_is_a_clear_error() -> None:
    lines = planted_lines(informative=True)
    for column in ("f_sig_availability", "f_sig_minutes_restricted", "f_sig_minutes_cap"):
        lines[column] = np.nan
    with pytest.raises(ValidationError, match="Too few lines"):
        compare_brier(lines, SPLIT)
