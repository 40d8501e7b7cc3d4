"""Numbers safe to hand to JSON and templates: NaN, infinities and non-numbers become None."""

from __future__ import annotations

import math
from typing import Any


def finite_or_none(value: Any, digits: int | None = None) -> float | None:
    """`value` as a float (rounded to `digits` when given), or None when it is not a finite number.

    None, pandas' NA, booleans, text that does not parse, NaN and infinities all give None: JSON
    has no NaN, and a flag or a label that slipped into a number column is missing, not 1.0.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return round(number, digits) if digits is not None else number
