"""market stack refits and closing-line value of served picks

`market_fits` keeps every nightly refit of the calibration and the market stack (its fit
window, line count, weights and Brier scores), so serving can take the newest and an audit can
see how the weights moved. `closing_values` keeps, for each graded pick, the closing price of
the side it took and the closing-line value of the taken price.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "market_fits",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("stat", sa.String(20), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("n_lines", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(200), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("calibration", sa.JSON(), nullable=True),
        sa.Column("brier_before", sa.Float(), nullable=True),
        sa.Column("brier_after", sa.Float(), nullable=True),
        sa.Column("brier_market", sa.Float(), nullable=True),
        sa.UniqueConstraint("stat", "fitted_at", name="uq_market_fits_stat_fitted"),
    )
    op.create_table(
        "closing_values",
        sa.Column("prediction_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("side", sa.String(5), nullable=False),
        sa.Column("taken_price", sa.Integer(), nullable=False),
        sa.Column("closing_price", sa.Float(), nullable=False),
        sa.Column("closing_probability", sa.Float(), nullable=False),
        sa.Column("closing_captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_books", sa.Integer(), nullable=False),
        sa.Column("clv", sa.Float(), nullable=False),
        sa.Column("price_clv", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("closing_values")
    op.drop_table("market_fits")
