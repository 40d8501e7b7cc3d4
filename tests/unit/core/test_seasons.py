"""One season rule for every layer: 1 September opens a season, labelled by its two years."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.seasons import (
    previous_season,
    previous_seasons,
    season_of,
    season_of_days,
    season_start,
    season_start_days,
    season_start_years,
    seasons_before,
)
from statmusepicks.features.timeline import day_numbers
from tests import factories


@pytest.mark.parametrize(
    ("day", "season"),
    [
        (dt.date(2025, 11, 15), "2025-26"),
        (dt.date(2026, 4, 1), "2025-26"),
        (dt.date(2026, 6, 20), "2025-26"),  # the Finals
        (dt.date(2020, 8, 14), "2019-20"),  # the last regular-season day of the 2020 bubble
        (dt.date(2017, 9, 30), "2017-18"),  # the earliest preseason game in the bundled logs
        (dt.date(2026, 10, 21), "2026-27"),
        (dt.date(1999, 12, 31), "1999-00"),
    ],
)
def test_a_date_belongs_to_the_season_that_opened_before_it(day: dt.date, season: str) -> None:
    assert season_of(day) == season
    assert season_start(season) <= day < season_start(seasons_before(season, -1))


def test_the_day_number_variants_agree_with_the_scalar_rule() -> None:
    dates = pd.Series(pd.date_range("2014-01-01", "2026-12-31", freq="D"))
    labels = season_of_days(day_numbers(dates))
    assert list(labels) == [season_of(day.date()) for day in dates]
    starts = season_start_days(labels)
    assert list(starts) == [(season_start(label) - dt.date(1970, 1, 1)).days for label in labels]
    assert list(season_start_years(["2025-26", "1999-00"])) == [2025, 1999]


def test_previous_and_earlier_seasons() -> None:
    assert previous_season("2025-26") == "2024-25"
    assert previous_season("2000-01") == "1999-00"
    assert seasons_before("2025-26", 4) == "2021-22"
    assert list(previous_seasons(np.array(["2025-26", "2020-21"], dtype=object))) == [
        "2024-25",
        "2019-20",
    ]


@pytest.mark.parametrize("name", ["player_game_logs.parquet", "prop_lines.parquet"])
def test_every_bundled_game_gets_the_season_it_is_stored_with(name: str) -> None:
    stored = pd.read_parquet(factories.BUNDLED / name, columns=["game_date", "season"])
    derived = season_of_days(day_numbers(stored["game_date"]))
    assert (derived == stored["season"].to_numpy(dtype=object)).all()


def test_bundled_team_games_differ_only_in_the_2020_bubble_playoffs() -> None:
    # The 2019-20 Finals ended on 11 October 2020; the one-date rule calls September and
    # October 2020 the next season, and the features read regular-season games only.
    teams = pd.read_parquet(
        factories.BUNDLED / "team_game_logs.parquet", columns=["game_date", "season", "season_type"]
    )
    derived = season_of_days(day_numbers(teams["game_date"]))
    differ = teams[derived != teams["season"].to_numpy(dtype=object)]
    assert set(differ["season_type"]) == {"Playoffs"}
    assert pd.to_datetime(differ["game_date"]).between("2020-09-01", "2020-10-11").all()
