"""Rules that read injury notes and team news as numbers (no language model needed).

Each signal kind is read on its own, by the first rule of that kind whose pattern matches, so
"questionable, minutes restriction if he plays" gives both an availability of 0.5 and a
minutes restriction. Patterns are ordered so that the more specific wording wins ("out of the
starting lineup" is a role change, not an absence; "rest of the season" is not a rest day).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

SignalKind = Literal["availability", "minutes_restriction", "role_change"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("availability", "minutes_restriction", "role_change")
RULES_EXTRACTOR = "rules"

# A stated cap: "a 20-minute restriction", "limited to 24 minutes", "about 18 minutes".
_MINUTES = re.compile(r"(\d{1,2})\s*-?\s*min(?:ute)?s?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """One number read from a text: availability 0 (out) to 1 (available); a minutes cap (0
    when the text names none); a role change of +1 (starting) or -1 (to the bench)."""

    kind: SignalKind
    value: float


def _minutes_cap(text: str) -> float:
    found = _MINUTES.search(text)
    return float(found.group(1)) if found else 0.0


def _rule(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


Value = float | Callable[[str], float]
RULES: tuple[tuple[SignalKind, re.Pattern[str], Value], ...] = (
    ("availability", _rule(r"out for (?:the )?(?:rest of the )?season|season[- ]ending"), 0.0),
    ("availability", _rule(r"ruled out|will not play|won't play|not (?:expected to )?play"), 0.0),
    ("availability", _rule(r"\bnot available\b|\bunavailable\b|\bsidelined\b"), 0.0),
    ("availability", _rule(r"\bdoubtful\b"), 0.25),
    ("availability", _rule(r"\bquestionable\b|game[- ]time decision|\bgtd\b"), 0.5),
    ("availability", _rule(r"\bprobable\b|likely to play|expected to play"), 0.75),
    ("availability", _rule(r"\bout\b(?!\s+of\b)"), 0.0),
    ("availability", _rule(r"\b(?:rest|resting|load management)\b(?!\s+of\b)"), 0.0),
    ("availability", _rule(r"\bavailable\b|\bcleared\b|will play|\bupgraded\b"), 1.0),
    (
        "minutes_restriction",
        _rule(
            r"minutes?[- ](?:restriction|limit|cap)|restricted minutes|limited (?:to )?\d*\s*min"
        ),
        _minutes_cap,
    ),
    (
        "role_change",
        _rule(r"off the bench|to the bench|bench role|out of the starting|reserve role"),
        -1.0,
    ),
    ("role_change", _rule(r"\bstart(?:s|ing)?\b|starting (?:lineup|five)|first start"), 1.0),
)


def read_signals(text: str) -> list[Reading]:
    """Every signal kind the rules find in `text` (at most one reading per kind)."""
    readings: dict[SignalKind, Reading] = {}
    for kind, pattern, value in RULES:
        if kind in readings or not pattern.search(text):
            continue
        readings[kind] = Reading(kind, value(text) if callable(value) else value)
    return [readings[kind] for kind in SIGNAL_KINDS if kind in readings]
