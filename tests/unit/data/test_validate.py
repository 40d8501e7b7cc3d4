"""Validation rules on single rows."""

from __future__ import annotations

import pandas as pd

from statmusepicks.data.ingest.schemas import PLAYER_GAME_STATS, PROP_LINES
from statmusepicks.data.ingest.validate import validate
from tests import factories


def test_clean_real_rows_all_pass() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",))
    result = validate(logs, PLAYER_GAME_STATS)
    assert result.quarantined.empty
    assert len(result.clean) == len(logs)


def test_a_row_breaking_two_rules_lists_both_reasons() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",)).head(5).copy()
    logs.loc[0, "min"] = -1.0
    logs.loc[0, "team"] = "XXX"
    result = validate(logs, PLAYER_GAME_STATS)
    assert len(result.quarantined) == 1
    reason = result.quarantined.iloc[0]["reason"]
    assert "'min' below 0" in reason
    assert "unknown team code" in reason


def test_a_missing_column_quarantines_every_row_it_affects() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",)).head(3).drop(columns=["ast"])
    result = validate(logs, PLAYER_GAME_STATS)
    assert len(result.quarantined) == 3
    assert result.quarantined["reason"].str.contains("missing column 'ast'").all()


def test_a_three_sigma_night_is_flagged_but_kept() -> None:
    logs = factories.player_logs(teams=("DEN",), seasons=("2024-25",))
    result = validate(logs, PLAYER_GAME_STATS)
    flagged = result.clean[result.clean["outlier_flags"].notna()]
    assert result.flagged == len(flagged) > 0
    assert result.quarantined.empty


def test_prices_that_are_not_american_odds_are_rejected() -> None:
    lines = factories.prop_lines(teams=("DEN",)).head(4).copy()
    from statmusepicks.data.ingest.bundled import with_estimated_capture

    lines = with_estimated_capture(lines)
    lines["over_price"] = lines["over_price"].astype("Int64")
    lines.loc[0, "over_price"] = 50
    result = validate(lines, PROP_LINES)
    assert list(result.quarantined["reason"]) == ["price is not valid American odds (|odds| < 100)"]
    assert pd.api.types.is_bool_dtype(result.clean["is_main_line"])


def test_reasons_follow_the_schema_order_and_a_bad_cell_is_not_also_missing() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",)).head(3)
    logs = logs.astype({"pts": "string"})
    logs.loc[0, "pts"] = "twelve"
    logs.loc[0, "min"] = 99.0
    result = validate(logs, PLAYER_GAME_STATS)
    assert list(result.quarantined["reason"]) == ["'min' above 70; 'pts' is not a valid int"]


def test_of_rows_sharing_a_key_the_last_loads_and_earlier_ones_are_quarantined() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",)).head(3)
    repeated = pd.concat([logs.iloc[[0]], logs], ignore_index=True)
    repeated.loc[0, "plus_minus"] = -99.0
    result = validate(repeated, PLAYER_GAME_STATS)
    assert list(result.quarantined["reason"]) == ["duplicate of a later row with the same key"]
    assert result.quarantined.iloc[0]["raw"]["plus_minus"] == -99.0
    assert len(result.clean) == 3


def test_a_missing_column_a_row_rule_needs_is_the_only_reason() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",)).head(2).drop(columns="fga")
    result = validate(logs, PLAYER_GAME_STATS)
    assert list(result.quarantined["reason"]) == ["missing column 'fga'"] * 2


def test_an_absent_optional_column_loads_empty_and_clean_rows_satisfy_the_schema() -> None:
    logs = factories.player_logs(teams=("LAL",), seasons=("2024-25",)).head(5)
    result = validate(logs.drop(columns="matchup"), PLAYER_GAME_STATS)
    assert list(result.clean.columns) == [*PLAYER_GAME_STATS.column_names, "outlier_flags"]
    assert result.clean["matchup"].isna().all()
    PLAYER_GAME_STATS.rows.validate(result.clean.drop(columns="outlier_flags"), lazy=True)
