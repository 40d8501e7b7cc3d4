"""Migrations run forwards and backwards on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from statmusepicks.data.db.migrate import current_revision, downgrade, head_revision, upgrade


def test_the_schema_is_at_head_with_every_table(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "teams",
        "players",
        "games",
        "player_game_stats",
        "team_game_stats",
        "prop_lines",
        "predictions",
        "models",
        "ingestion_runs",
        "quarantine",
        "injuries",
        "api_keys",
    } <= tables


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    downgrade(engine, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
