"""`--as-of`: a day is midnight in SYNC_TIMEZONE, a naive time is local, an aware one kept."""

from __future__ import annotations

import datetime as dt

import pytest
import typer

from statmusepicks.cli.clock import is_whole_day, parse_as_of
from statmusepicks.core.settings import Settings

SETTINGS = Settings(environment="test", _env_file=None)  # type: ignore[call-arg]


def test_a_day_is_midnight_new_york_time() -> None:
    assert parse_as_of("2025-11-03", SETTINGS) == dt.datetime(2025, 11, 3, 5, 0, tzinfo=dt.UTC)
    assert is_whole_day("2025-11-03")


def test_a_naive_time_is_local_and_an_aware_one_is_kept() -> None:
    assert parse_as_of("2025-11-03T06:00", SETTINGS) == dt.datetime(
        2025, 11, 3, 11, 0, tzinfo=dt.UTC
    )
    assert parse_as_of("2025-11-03T06:00+00:00", SETTINGS) == dt.datetime(
        2025, 11, 3, 6, 0, tzinfo=dt.UTC
    )
    assert not is_whole_day("2025-11-03T06:00")


def test_no_as_of_is_now_and_nonsense_is_refused() -> None:
    assert parse_as_of(None, SETTINGS).tzinfo == dt.UTC
    with pytest.raises(typer.BadParameter, match="not a date or time"):
        parse_as_of("yesterday", SETTINGS)
