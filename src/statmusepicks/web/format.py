"""Numbers as bettors read them: American odds with a sign, percentages with one decimal.

Registered as Jinja2 filters, so templates only choose a format and never compute. A missing
value (None, NaN) prints as an em dash rather than "nan" or "None".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from statmusepicks.core.numbers import finite_or_none

MISSING = "—"


def american(odds: Any) -> str:
    """American odds with an explicit sign: +150, -110 (prices between -100 and +100 don't exist,
    so a fair price that rounds into that gap prints as +100, even money)."""
    number = finite_or_none(odds)
    if number is None:
        return MISSING
    rounded = round(number)
    if -100 < rounded < 100:
        rounded = 100
    return f"+{rounded}" if rounded > 0 else str(rounded)


def percent(probability: Any, digits: int = 1) -> str:
    """A probability (0..1) as a percentage with one decimal: 0.5432 -> 54.3%."""
    number = finite_or_none(probability)
    if number is None:
        return MISSING
    return f"{100 * number:.{digits}f}%"


def signed_percent(share: Any, digits: int = 1) -> str:
    """An edge or EV per unit (0.032 -> +3.2%), signed so that gains and losses stand out."""
    number = finite_or_none(share)
    if number is None:
        return MISSING
    text = f"{100 * number:+.{digits}f}%"
    # "-0.0%" reads as a loss: a figure that rounds to zero prints unsigned.
    return f"{0:.{digits}f}%" if float(text[:-1]) == 0 else text


def decimal(value: Any, digits: int = 1) -> str:
    """A stat, line or rating with a fixed number of decimals."""
    number = finite_or_none(value)
    if number is None:
        return MISSING
    return f"{number:.{digits}f}"


def count(value: Any) -> str:
    """A count with thousands separators: 65432 -> 65,432."""
    number = finite_or_none(value)
    return MISSING if number is None else f"{round(number):,}"


def line(value: Any) -> str:
    """A prop line as books print it: 24.5, 7 (no trailing .0)."""
    number = finite_or_none(value)
    if number is None:
        return MISSING
    return f"{number:g}"


def day(value: Any) -> str:
    """A date as "Fri 14 Nov 2025"; ISO strings are accepted."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.strftime("%a %d %b %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%a %d %b %Y")
    return str(value)


def sign_class(value: Any) -> str:
    """CSS class for a signed figure: 'pos', 'neg' or '' (so colour never carries meaning alone)."""
    number = finite_or_none(value)
    # A share that prints as 0.0% gets no colour: the sign must agree with what is printed.
    if number is None or abs(number) < 0.0005:
        return ""
    return "pos" if number > 0 else "neg"


FILTERS = {
    "american": american,
    "percent": percent,
    "signed_percent": signed_percent,
    "decimal": decimal,
    "count": count,
    "line": line,
    "day": day,
    "sign_class": sign_class,
}
