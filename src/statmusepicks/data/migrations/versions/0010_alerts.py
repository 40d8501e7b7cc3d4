"""prop alerts, per-key alert filters and webhooks, webhook deliveries

`prop_alerts`: one row per alert (edge over the threshold, line move, injury news), unique per
(dedup_key, fingerprint) so a state alerts once; `alert_subscriptions`: each API key's filters,
webhook URL and secret, feed token; `alert_deliveries`: each webhook POST's outcome.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "prop_alerts",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(100), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("game_date", sa.Date(), nullable=False),
        sa.Column("player_id", sa.BigInteger(), nullable=False),
        sa.Column("player_name", sa.String(100), nullable=False),
        sa.Column("stat", sa.String(20), nullable=True),
        sa.Column("book", sa.String(40), nullable=True),
        sa.Column("line", sa.Float(), nullable=True),
        sa.Column("side", sa.String(5), nullable=True),
        sa.Column("edge", sa.Float(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.UniqueConstraint("dedup_key", "fingerprint", name="uq_prop_alerts_state"),
    )
    op.create_index("ix_prop_alerts_as_of", "prop_alerts", ["as_of"])
    op.create_table(
        "alert_subscriptions",
        sa.Column(
            "api_key_id",
            sa.BigInteger(),
            sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("min_edge", sa.Float(), nullable=True),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("players", sa.JSON(), nullable=False),
        sa.Column("books", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.String(64), nullable=False),
        sa.Column("feed_token", sa.String(64), nullable=False, unique=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column(
            "alert_id",
            sa.BigInteger(),
            sa.ForeignKey("prop_alerts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("api_key_id", sa.BigInteger(), primary_key=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alert_subscriptions")
    op.drop_index("ix_prop_alerts_as_of", table_name="prop_alerts")
    op.drop_table("prop_alerts")
