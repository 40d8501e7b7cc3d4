"""drift results, A/B experiments, shadow predictions and promotion decisions

Adds `arm` and `experiment_id` to `predictions` (which arm served a row), and the tables
`experiments`, `shadow_predictions` (the unserved arm's price of a served prop),
`model_decisions` (why a challenger was or was not promoted) and `drift_results` (nightly PSI
and KS per model and feature).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("arm", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("experiment_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_predictions_experiment", "predictions", ["experiment_id"])

    op.create_table(
        "experiments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("stat", sa.String(length=20), nullable=False),
        sa.Column("challenger", sa.String(length=120), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_experiments_status_stat", "experiments", ["status", "stat"])

    op.create_table(
        "shadow_predictions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("experiment_id", sa.BigInteger(), nullable=False),
        sa.Column("arm", sa.String(length=20), nullable=False),
        sa.Column("player_id", sa.BigInteger(), nullable=False),
        sa.Column("stat", sa.String(length=20), nullable=False),
        sa.Column("line", sa.Float(), nullable=False),
        sa.Column("game_date", sa.Date(), nullable=False),
        sa.Column("predicted_value", sa.Float(), nullable=False),
        sa.Column("over_probability", sa.Float(), nullable=False),
        sa.Column("under_probability", sa.Float(), nullable=False),
        sa.Column("push_probability", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("api_key_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_shadow_predictions_experiment", "shadow_predictions", ["experiment_id", "game_date"]
    )

    op.create_table(
        "model_decisions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("experiment_id", sa.BigInteger(), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "drift_results",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("psi", sa.Float(), nullable=True),
        sa.Column("ks", sa.Float(), nullable=True),
        sa.Column("drifted", sa.Boolean(), nullable=False),
        sa.Column("important", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_drift_results_as_of_model", "drift_results", ["as_of", "model"])


def downgrade() -> None:
    op.drop_index("ix_drift_results_as_of_model", table_name="drift_results")
    op.drop_table("drift_results")
    op.drop_table("model_decisions")
    op.drop_index("ix_shadow_predictions_experiment", table_name="shadow_predictions")
    op.drop_table("shadow_predictions")
    op.drop_index("ix_experiments_status_stat", table_name="experiments")
    op.drop_table("experiments")
    op.drop_index("ix_predictions_experiment", table_name="predictions")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("experiment_id")
        batch.drop_column("arm")
