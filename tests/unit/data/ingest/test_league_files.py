"""Parsing the league's schedule and injury report documents (their real formats)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from statmusepicks.core.errors import UpstreamError
from statmusepicks.data.ingest.injury_report import (
    parse_report,
    player_name,
    report_slot,
    report_stamp,
)
from statmusepicks.data.ingest.schedule import parse_schedule
from tests.fakes.league_files import report_record, schedule_fixture

AFTER_EVERYTHING = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)


def _games(as_of: dt.datetime) -> pd.DataFrame:
    frame, _ = parse_schedule(schedule_fixture(), as_of)
    return frame.set_index("game_id")


def test_the_schedule_gives_status_tipoff_and_kind_of_each_nba_game() -> None:
    frame, skipped = parse_schedule(schedule_fixture(), AFTER_EVERYTHING)
    games = frame.set_index("game_id")
    # A preseason visit of a club from another league and an undecided playoff slot.
    assert skipped == 2
    assert "0012500004" not in games.index
    den = games.loc["0022500224"]
    assert (den["home_team"], den["away_team"], den["status"]) == ("LAC", "DEN", "final")
    assert den["tipoff_at"] == pd.Timestamp("2025-11-13T03:30:00Z")
    assert den["game_date"] == "2025-11-12"  # the league (New York) date, not the UTC one
    assert (den["season"], den["season_type"]) == ("2025-26", "Regular Season")
    assert games.loc["0022500251", "status"] == "postponed"
    assert games.loc["0022500254", "status"] == "scheduled"


def test_a_result_after_the_as_of_is_not_learnt() -> None:
    before_tip = dt.datetime(2025, 11, 14, 23, 0, tzinfo=dt.UTC)
    games = _games(before_tip)
    assert games.loc["0022500224", "status"] == "final"  # tipped off two days before
    assert games.loc["0022500045", "status"] == "scheduled"  # final in the document, later
    assert _games(AFTER_EVERYTHING).loc["0022500045", "status"] == "final"


def test_a_document_that_is_not_a_schedule_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="gameDates"):
        parse_schedule({"resultSets": []}, AFTER_EVERYTHING)


def test_report_names_are_turned_round_and_suffixes_kept() -> None:
    assert player_name("Murray, Jamal") == "Jamal Murray"
    assert player_name("Jackson Jr., Jaren") == "Jaren Jackson Jr."
    assert player_name("Nene") == "Nene"


def test_the_report_rows_carry_team_codes_and_the_report_time_and_skip_unfiled_teams() -> None:
    at = dt.datetime(2025, 11, 12, 18, 0, tzinfo=dt.UTC)
    records = [
        report_record("Jamal Murray", "Denver Nuggets", "Out"),
        report_record("Kawhi Leonard", "LA Clippers", "Questionable"),
        {**report_record("x y", "Boston Celtics", ""), "Player Name": None,
         "Current Status": None, "Reason": "NOT YET SUBMITTED"},
    ]  # fmt: skip
    rows = parse_report(records, at)
    assert rows["player_name"].tolist() == ["Jamal Murray", "Kawhi Leonard"]
    assert rows["team"].tolist() == ["DEN", "LAC"]
    assert rows["status"].tolist() == ["Out", "Questionable"]
    assert (rows["reported_at"] == pd.Timestamp(at)).all()


def test_records_without_the_report_columns_are_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match="lack"):
        parse_report([{"Player": "Murray, Jamal"}], dt.datetime(2025, 11, 12, tzinfo=dt.UTC))


def test_the_newest_slot_is_the_quarter_hour_at_or_before_in_new_york() -> None:
    slot = report_slot(dt.datetime(2025, 11, 12, 18, 29, 59, tzinfo=dt.UTC))
    assert report_stamp(slot) == "2025-11-12_01_15PM"
    assert report_stamp(report_slot(dt.datetime(2025, 11, 12, 18, 30, tzinfo=dt.UTC))) == (
        "2025-11-12_01_30PM"
    )
