"""index player box scores by team and season

Serving reads a team's box scores of one season before a date (teammates out, usage): without
this index that query walks the date index over most of the table (30 ms on the full bundled
history in SQLite, against well under 1 ms with it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "ix_player_game_stats_team_season_date"


def upgrade() -> None:
    op.create_index(INDEX, "player_game_stats", ["team", "season", "game_date"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="player_game_stats")
