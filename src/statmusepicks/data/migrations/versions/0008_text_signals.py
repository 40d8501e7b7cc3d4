"""text signals: numbers read from injury notes and team news, with their source and time

One row per signal (availability, minutes_restriction, role_change) of a player (or a whole
team when `player_id` is null), with the text it was read from, who read it (rules or a
language model) and when it was observed: features read a signal only from that time on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "text_signals"
INDEX = "ix_text_signals_player_observed"
UNIQUE = "uq_text_signals_reading"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("player_id", sa.BigInteger(), nullable=True),
        sa.Column("team", sa.String(3), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extractor", sa.String(40), nullable=False),
        sa.UniqueConstraint("player_id", "kind", "source", "observed_at", name=UNIQUE),
    )
    op.create_index(INDEX, TABLE, ["player_id", "observed_at"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)
