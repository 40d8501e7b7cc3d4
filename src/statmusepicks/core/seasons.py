"""The NBA season calendar: the season a date belongs to, where a season starts, the one before.

A season is labelled by its two years ('2025-26') and opens on 1 September of its first year.
Training camps and preseason games start in the last days of September (the bundled team logs
hold preseason games from 28 September), the regular season in October, and the Finals end in
June, so no game falls between two seasons' labels. The 2019-20 season, suspended in March
2020, played its last regular-season games in August 2020, which this rule still puts in
2019-20; only its bubble playoffs (September to 11 October 2020) get the 2020-21 label here,
where the bundled team logs say 2019-20, and the features never read playoff games.

Scalar functions serve one date at a time (clients, services); the `*_days`/plural variants work
on arrays of day numbers (days since 1970-01-01) and label arrays, for the feature code.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

SEASON_START_MONTH = 9


@lru_cache(maxsize=256)
def season_label(start_year: int) -> str:
    """The label of the season that starts in `start_year`: 2025 -> '2025-26'."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@lru_cache(maxsize=256)
def season_start_year(season: str) -> int:
    """The first calendar year of a season label: '2025-26' -> 2025."""
    return int(season[:4])


def season_of(day: dt.date) -> str:
    """The season a date belongs to: 2025-11-01 -> '2025-26', 2026-04-10 -> '2025-26'."""
    return season_label(day.year if day.month >= SEASON_START_MONTH else day.year - 1)


def season_start(season: str) -> dt.date:
    """The first day of a season: 1 September of its first year."""
    return dt.date(season_start_year(season), SEASON_START_MONTH, 1)


@lru_cache(maxsize=256)
def seasons_before(season: str, years: int) -> str:
    """The season `years` before `season` ('2025-26', 2 -> '2023-24'; negative goes forward)."""
    return season_label(season_start_year(season) - years)


def previous_season(season: str) -> str:
    """The season before: '2025-26' -> '2024-25'."""
    return seasons_before(season, 1)


def season_of_days(days: ArrayLike) -> np.ndarray:
    """`season_of` for an array of day numbers (object array of labels)."""
    dates = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    start = np.where(months >= SEASON_START_MONTH, years, years - 1)
    return np.array([season_label(int(year)) for year in start], dtype=object)


def season_start_years(seasons: ArrayLike) -> np.ndarray:
    """`season_start_year` for an array of labels (int64)."""
    labels = np.asarray(seasons, dtype=object)
    return np.fromiter((season_start_year(str(label)) for label in labels), np.int64, len(labels))


@lru_cache(maxsize=256)
def _start_day(season: str) -> int:
    return (season_start(season) - dt.date(1970, 1, 1)).days


def season_start_days(seasons: ArrayLike) -> np.ndarray:
    """`season_start` for an array of labels, as day numbers (int64)."""
    labels = np.asarray(seasons, dtype=object)
    return np.fromiter((_start_day(str(label)) for label in labels), np.int64, len(labels))


def previous_seasons(seasons: ArrayLike) -> np.ndarray:
    """`previous_season` for an array of labels (object array)."""
    labels = np.asarray(seasons, dtype=object)
    return np.array([previous_season(str(label)) for label in labels], dtype=object)
