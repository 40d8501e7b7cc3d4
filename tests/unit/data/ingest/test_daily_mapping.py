"""NBA.com leaguegamelog rows map onto the bundled tables exactly (checked on a real day)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from statmusepicks.core.box_score import BOX_SCORE_COLUMNS
from statmusepicks.data.clients.nba_stats import parse_result_set
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.daily import season_types_for, season_windows
from statmusepicks.data.ingest.game_log_rows import parse_matchup, player_rows, team_rows
from statmusepicks.data.ingest.validate import validate
from tests import factories
from tests.upstream_fakes import nba_fixture

DAY = "2025-11-14"


def upstream(kind: str) -> pd.DataFrame:
    frame, _ = parse_result_set(nba_fixture(f"leaguegamelog_{kind}_{DAY}.json"), "LeagueGameLog")
    return frame.assign(_season="2025-26", _season_type="Regular Season")


def bundled(name: str) -> pd.DataFrame:
    frame = factories._read(name)
    return frame[frame["game_date"].astype(str) == DAY]


# Per kind of game log: the row mapping, its schema, the bundled table and the row key.
MAPPINGS = {
    "P": (player_rows, schemas.PLAYER_GAME_STATS, "player_game_logs.parquet", "player_id"),
    "T": (team_rows, schemas.TEAM_GAME_STATS, "team_game_logs.parquet", "team_id"),
}


def mapped_beside_bundled(kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The day's upstream rows mapped and validated (none quarantined), and the bundled rows of
    the same day, both in (game, key) order."""
    rows, schema, table, key = MAPPINGS[kind]
    result = validate(rows(upstream(kind)), schema)
    assert result.quarantined.empty
    order = ["game_id", key]
    ours = result.clean.sort_values(order).reset_index(drop=True)
    return ours, bundled(table).sort_values(order).reset_index(drop=True)


def test_player_rows_reproduce_the_bundled_box_scores_of_a_real_day() -> None:
    ours, truth = mapped_beside_bundled("P")
    assert len(ours) == len(truth) == 190
    for column in ["game_id", "player_id", "team", "opp", "is_home", "matchup", "wl"]:
        assert ours[column].astype(str).tolist() == truth[column].astype(str).tolist(), column
    for column in [*BOX_SCORE_COLUMNS, "min", "plus_minus"]:
        assert ours[column].astype(float).tolist() == truth[column].astype(float).tolist(), column


def test_team_rows_pair_each_team_with_its_opponent_and_match_the_bundles_estimates() -> None:
    ours, truth = mapped_beside_bundled("T")
    assert len(ours) == len(truth) == 18
    assert ours["opp"].tolist() == truth["opp"].tolist()
    assert ours["opp_pts"].astype(int).tolist() == truth["opp_pts"].tolist()
    for column in ["poss_est", "opp_poss_est", "pace_est", "off_rtg_est", "def_rtg_est"]:
        assert ours[column].astype(float).tolist() == pytest.approx(
            truth[column].tolist(), abs=0.01
        )


def test_a_team_row_without_its_opponent_is_kept_for_the_validator_to_reject() -> None:
    lone = upstream("T").iloc[[0]]
    rows = team_rows(lone)
    assert len(rows) == 1
    result = validate(rows, schemas.TEAM_GAME_STATS)
    assert "'opp_pts' is missing" in result.quarantined["reason"].iloc[0]


def test_matchups_give_opponent_and_home_relative_to_the_rows_team() -> None:
    matchup = pd.Series(["BOS vs. NYK", "NYK @ BOS", "LAL vs. SAS", "LAL vs. SAS", "garbage"])
    team = pd.Series(["BOS", "NYK", "LAL", "SAS", "BOS"])
    opp, home = parse_matchup(matchup, team)
    assert opp.tolist()[:4] == ["NYK", "BOS", "SAS", "LAL"]
    assert home.tolist()[:4] == [True, False, True, False]
    assert pd.isna(opp.iloc[4])


def test_clock_minutes_become_decimal_minutes() -> None:
    frame = upstream("P").head(2)
    frame["MIN"] = ["34:30", 12]
    assert player_rows(frame)["min"].astype(float).tolist() == [34.5, 12.0]


def test_a_numeric_game_id_gets_its_leading_zeros_back() -> None:
    frame = upstream("P").head(1)
    frame["GAME_ID"] = 22500046
    assert player_rows(frame)["game_id"].tolist() == ["0022500046"]


def test_a_range_is_split_at_season_boundaries() -> None:
    windows = season_windows(dt.date(2025, 6, 1), dt.date(2025, 11, 15))
    assert windows == [
        ("2024-25", dt.date(2025, 6, 1), dt.date(2025, 8, 31)),
        ("2025-26", dt.date(2025, 9, 1), dt.date(2025, 11, 15)),
    ]


def test_postseason_types_are_asked_for_only_in_april_to_june() -> None:
    assert season_types_for(dt.date(2025, 11, 15), dt.date(2025, 11, 16)) == ("Regular Season",)
    assert "Playoffs" in season_types_for(dt.date(2026, 4, 20), dt.date(2026, 4, 21))
