"""monitoring: daily model scores, daily data quality and alerts

`model_daily_metrics` holds one row per game day, model version, stat and scope, with the sums
a trailing window needs; `data_quality_daily` one row per day and ingestion source;
`monitoring_alerts` one row per breach, opened once and cleared when the value recovers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "model_daily_metrics",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("stat", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predictions", sa.Integer(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Integer(), nullable=False),
        sa.Column("brier", sa.Float(), nullable=True),
        sa.Column("log_loss", sa.Float(), nullable=True),
        sa.Column("ece", sa.Float(), nullable=True),
        sa.Column("reliability", sa.JSON(), nullable=False),
        sa.Column("bets", sa.Integer(), nullable=False),
        sa.Column("wins", sa.Integer(), nullable=False),
        sa.Column("losses", sa.Integer(), nullable=False),
        sa.Column("hit_rate", sa.Float(), nullable=True),
        sa.Column("hit_rate_low", sa.Float(), nullable=True),
        sa.Column("hit_rate_high", sa.Float(), nullable=True),
        sa.Column("profit", sa.Float(), nullable=False),
        sa.Column("roi", sa.Float(), nullable=True),
        sa.Column("clv", sa.Float(), nullable=True),
        sa.Column("clv_bets", sa.Integer(), nullable=False),
        sa.Column("market_matched", sa.Integer(), nullable=False),
        sa.Column("market_brier", sa.Float(), nullable=True),
        sa.Column("model_brier_on_market", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "day", "model_version", "stat", "scope", name="uq_model_daily_metrics_key"
        ),
    )
    op.create_index("ix_model_daily_metrics_day", "model_daily_metrics", ["day"])
    op.create_table(
        "data_quality_daily",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failed_runs", sa.Integer(), nullable=False),
        sa.Column("rows_expected", sa.Integer(), nullable=True),
        sa.Column("rows_received", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("rows_missing_fields", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "source", name="uq_data_quality_daily_key"),
    )
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_monitoring_alerts_open", "monitoring_alerts", ["rule", "subject", "cleared_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_alerts_open", table_name="monitoring_alerts")
    op.drop_table("monitoring_alerts")
    op.drop_table("data_quality_daily")
    op.drop_index("ix_model_daily_metrics_day", table_name="model_daily_metrics")
    op.drop_table("model_daily_metrics")
