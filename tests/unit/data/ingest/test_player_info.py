"""commonplayerinfo rows as player_info rows: positions, heights and weights as NBA.com sends."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from statmusepicks.data.clients.nba_stats import COMMON_PLAYER_INFO, parse_result_set
from statmusepicks.data.ingest.player_info import height_inches, player_info_rows, primary_position
from tests.upstream_fakes import nba_fixture

FETCHED = dt.datetime(2025, 11, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Center", "C"),
        ("Forward-Center", "F"),
        ("Guard-Forward", "G"),
        ("Forward", "F"),
        ("", None),
        (None, None),
        ("Coach", None),
    ],
)
def test_the_first_listed_position_is_the_primary_one(
    text: str | None, expected: str | None
) -> None:
    assert primary_position(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("6-11", 83), ("7-0", 84), ("5-9", 69), ("", None), (None, None), ("6'11", None)],
)
def test_heights_are_feet_dash_inches(text: str | None, expected: int | None) -> None:
    assert height_inches(text) == expected


def test_a_real_format_response_becomes_one_row() -> None:
    frame, malformed = parse_result_set(
        nba_fixture("commonplayerinfo_203999.json"), "CommonPlayerInfo"
    )
    assert not malformed
    assert set(COMMON_PLAYER_INFO) <= set(frame.columns)
    rows = player_info_rows(frame, FETCHED)
    assert rows.to_dict("records") == [
        {
            "player_id": 203999,
            "position": "Center",
            "primary_position": "C",
            "height_inches": 83,
            "weight_lbs": 284,
            "birthdate": dt.date(1995, 2, 19),
            "country": "Serbia",
            "draft_year": 2014,
            "from_year": 2015,
            "team": "DEN",
            "fetched_at": FETCHED,
        }
    ]


def test_the_bundled_stand_in_without_bio_fields_gives_unknowns_not_errors() -> None:
    frame, _ = parse_result_set(nba_fixture("commonplayerinfo_1628983.json"), "CommonPlayerInfo")
    (row,) = player_info_rows(frame, FETCHED).to_dict("records")
    assert row["player_id"] == 1628983
    assert row["team"] == "OKC"
    assert pd.isna(row["position"])
    assert pd.isna(row["height_inches"])
