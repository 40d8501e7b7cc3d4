"""Bundled loads: bad rows are quarantined with reasons, the rest load, twice is a no-op."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from statmusepicks.data.db.models import (
    Game,
    Player,
    PlayerGameStats,
    PropLine,
    QuarantinedRow,
    TeamGameStats,
)
from statmusepicks.data.ingest.bundled import load_bundled
from tests import factories
from tests.table_counts import row_count


def _planted_player_logs() -> tuple[pd.DataFrame, dict[int, str]]:
    # Points arrive as text (as from a CSV) so that one of them can be a word.
    logs = factories.player_logs(teams=("DEN",), seasons=("2025-26",)).astype(
        {"pts": "string", "player_id": "Int64"}
    )
    planted = {
        0: "'pts' is not a valid int",
        1: "'player_id' is missing",
        2: "'min' below 0",
        3: "inconsistent points",
    }
    logs.loc[0, "pts"] = "twelve"
    logs.loc[1, "player_id"] = None
    logs.loc[2, "min"] = -5.0
    logs.loc[3, "pts"] = str(int(logs.loc[3, "pts"]) + 1)
    return logs, planted


@pytest.fixture
def planted_bundle(tmp_path: Path) -> tuple[Path, pd.DataFrame, dict[int, str]]:
    logs, planted = _planted_player_logs()
    directory = factories.write_bundle(
        tmp_path / "bundle",
        player_logs=logs,
        team_logs=factories.team_logs(seasons=("2025-26",)),
        prop_lines=factories.prop_lines(teams=("DEN",)).query("season == '2025-26'"),
        game_odds=factories.game_odds(seasons=("2024-25",)).head(50),
    )
    return directory, logs, planted


def test_planted_bad_rows_are_quarantined_with_reasons_and_the_rest_load(
    engine: Engine, planted_bundle
) -> None:
    directory, logs, planted = planted_bundle

    report = load_bundled(engine, directory)

    player_report = next(t for t in report.tables if t.table == "player_game_stats")
    assert player_report.quarantined == len(planted)
    assert row_count(engine, PlayerGameStats) == len(logs) - len(planted)
    with engine.connect() as connection:
        rows = connection.execute(
            select(QuarantinedRow.reason, QuarantinedRow.raw).where(
                QuarantinedRow.table_name == "player_game_stats"
            )
        ).all()
    reasons = sorted(reason for reason, _ in rows)
    for expected in planted.values():
        assert sum(expected in reason for reason in reasons) == 1, (expected, reasons)
    assert {raw["player_name"] for _, raw in rows} == {logs.loc[i, "player_name"] for i in planted}


def test_loading_twice_changes_nothing(engine: Engine, planted_bundle) -> None:
    directory, _, _ = planted_bundle
    load_bundled(engine, directory)
    counts = {
        model: row_count(engine, model)
        for model in (PlayerGameStats, TeamGameStats, PropLine, Game, Player, QuarantinedRow)
    }

    second = load_bundled(engine, directory)

    assert all(table.inserted == 0 and table.updated == 0 for table in second.tables)
    assert {model: row_count(engine, model) for model in counts} == counts


def test_row_counts_match_the_files_minus_quarantine(engine: Engine, bundle_dir: Path) -> None:
    report = load_bundled(engine, bundle_dir)

    expected = {
        "player_game_stats": len(factories.player_logs()),
        "team_game_stats": len(factories.team_logs()),
        "prop_lines": len(factories.prop_lines()),
    }
    for table in report.tables:
        if table.table in expected:
            assert table.rows_in == expected[table.table]
            assert table.inserted == expected[table.table] - table.quarantined
    assert row_count(engine, PropLine) == expected["prop_lines"]


def test_a_changed_box_score_updates_its_row(engine: Engine, tmp_path: Path) -> None:
    logs = factories.player_logs(teams=("BOS",), seasons=("2025-26",))
    directory = factories.write_bundle(
        tmp_path / "a", player_logs=logs, team_logs=factories.team_logs(("2025-26",))
    )
    load_bundled(engine, directory)
    corrected = logs.copy()
    corrected.loc[0, "plus_minus"] = corrected.loc[0, "plus_minus"] + 1
    factories.write_bundle(
        tmp_path / "a", player_logs=corrected, team_logs=factories.team_logs(("2025-26",))
    )

    report = load_bundled(engine, directory)

    player_report = next(t for t in report.tables if t.table == "player_game_stats")
    assert (player_report.inserted, player_report.updated) == (0, 1)
