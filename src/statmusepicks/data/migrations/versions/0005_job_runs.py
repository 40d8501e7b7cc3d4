"""job runs: one row per attempt of a season job at one slot

The worker and `statmusepicks replay` record every job they run here (slot = as-of time,
attempt, start, end, rows written, errors); a slot that succeeded is not run again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEX = "ix_job_runs_job_as_of"


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("job", sa.String(60), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index(INDEX, "job_runs", ["job", "as_of"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="job_runs")
    op.drop_table("job_runs")
