"""Numbers handed to JSON are finite floats or None, never NaN, infinities, flags or text."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.numbers import finite_or_none


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (pd.NA, None),
        (float("nan"), None),
        (np.inf, None),
        (-math.inf, None),
        (True, None),
        ("not a number", None),
        (np.int64(4), 4.0),
        ("3.5", 3.5),
        (np.float32(0.25), 0.25),
    ],
)
def test_only_finite_numbers_come_through(value: Any, expected: float | None) -> None:
    assert finite_or_none(value) == expected


def test_digits_round_the_number() -> None:
    assert finite_or_none(2.34567, 2) == 2.35
    assert finite_or_none(np.nan, 2) is None
