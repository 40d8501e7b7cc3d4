"""The dashboard's small computations: chart marks, opponent hit rates, board filters."""

from __future__ import annotations

import datetime as dt

import pytest

from statmusepicks.core.errors import ValidationError
from statmusepicks.core.stats import STATS
from statmusepicks.web.dashboard_board import BoardFilters
from statmusepicks.web.dashboard_players import games_chart, opponent_hit_rate, parse_line

GAMES = [  # newest first, as the context API lists them
    {"date": "2025-11-12", "opponent": "LAC", "home": False, "statValue": 30.0, "minutes": 35.0},
    {"date": "2025-11-10", "opponent": "MIA", "home": True, "statValue": 25.0, "minutes": 33.0},
    {"date": "2025-11-08", "opponent": "LAC", "home": True, "statValue": 20.0, "minutes": 30.0},
]


def test_the_chart_lists_games_oldest_first_and_marks_each_against_the_line() -> None:
    chart = games_chart(GAMES, 25.0, "Points")
    assert [g["date"] for g in chart["games"]] == ["2025-11-08", "2025-11-10", "2025-11-12"]
    assert [g["outcome"] for g in chart["games"]] == ["under", "push", "over"]
    assert (chart["overs"], chart["unders"]) == (1, 1)


def test_the_opponent_hit_rate_counts_only_games_against_that_team() -> None:
    assert opponent_hit_rate(GAMES, "LAC", 24.5) == {
        "opponent": "LAC",
        "games": 2,
        "overs": 1,
        "rate": 0.5,
    }
    assert opponent_hit_rate(GAMES, "BOS", 24.5)["rate"] is None
    assert opponent_hit_rate(GAMES, None, 24.5)["games"] == 0


def test_a_typed_line_must_be_a_sane_number_for_the_stat() -> None:
    points = STATS["points"]
    assert parse_line("24.5", points) == 24.5
    assert parse_line("", points) is None
    with pytest.raises(ValidationError):
        parse_line("500", points)
    with pytest.raises(ValidationError):
        parse_line("lots", points)


def test_board_filters_read_the_form_and_refuse_nonsense() -> None:
    filters = BoardFilters.parse("2025-11-14", "PTS", "", "2.5", "edge")
    assert filters == BoardFilters(dt.date(2025, 11, 14), "points", None, 0.025, "edge")
    assert filters.min_edge_pct == 2.5
    assert BoardFilters.parse(None, None, None, None, "bogus").sort == "ev"
    assert filters.main_only
    assert not BoardFilters.parse(None, None, None, None, None, "all").main_only
    with pytest.raises(ValidationError):
        BoardFilters.parse("14/11/2025", None, None, None, None)
    with pytest.raises(ValidationError):
        BoardFilters.parse(None, None, None, "-5", None)
