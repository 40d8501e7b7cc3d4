"""player info: position, height, weight and draft of each player from NBA.com commonplayerinfo

One row per player, overwritten by each sync (`fetched_at` says when it was read).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "player_info"
INDEX = "ix_player_info_primary_position"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("player_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("position", sa.String(30), nullable=True),
        sa.Column("primary_position", sa.String(1), nullable=True),
        sa.Column("height_inches", sa.Integer(), nullable=True),
        sa.Column("weight_lbs", sa.Integer(), nullable=True),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("country", sa.String(60), nullable=True),
        sa.Column("draft_year", sa.Integer(), nullable=True),
        sa.Column("from_year", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(3), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(INDEX, TABLE, ["primary_position"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)
