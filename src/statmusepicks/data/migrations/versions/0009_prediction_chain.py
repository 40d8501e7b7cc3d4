"""hash-chained prediction log and appended grade rows

Predictions gain their entry in the record's hash chain (`chain_seq`, `content_hash`,
`prev_hash`); grades move out of `predictions` into `prediction_grades`, one appended row per
prediction, chained too; `record_chain_head` holds the head and is the appenders' lock. Rows
stored before this revision are chained here, in id order, their grades after them in the order
they were graded: the record is pinned as it stood at the upgrade.

The canonical content is read from `data/repositories/record_chain.py`, the one definition the
chain is checked against; it is fixed for good, so this revision stays valid with it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 07:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from statmusepicks.core.hash_chain import GENESIS, ChainHead, canonical, link, sha256_hex
from statmusepicks.data.repositories.record_chain import grade_content, prediction_content, utc

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GRADE_COLUMNS = ("graded_at", "actual", "result", "profit")


def _grade_columns(*, graded: bool) -> list[sa.Column[Any]]:
    """The grade columns; `graded`: on a grade row, where a grade always has its time and
    result (on a prediction before this revision they were null until graded)."""
    return [
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=not graded),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.Column("result", sa.String(5), nullable=not graded),
        sa.Column("profit", sa.Float(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "record_chain_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_predictions_chain_seq", ["chain_seq"])
    head, grade_rows = _chain_existing(op.get_bind())
    # SQLite rebuilds `predictions` to drop columns: done before any table references it.
    op.drop_index("ix_predictions_graded", table_name="predictions")
    with op.batch_alter_table("predictions") as batch:
        for column in GRADE_COLUMNS:
            batch.drop_column(column)
    grades = op.create_table(
        "prediction_grades",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "prediction_id",
            sa.BigInteger(),
            sa.ForeignKey("predictions.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        *_grade_columns(graded=True),
        sa.Column("chain_seq", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("prediction_id", name="uq_prediction_grades_prediction"),
        sa.UniqueConstraint("chain_seq", name="uq_prediction_grades_chain_seq"),
    )
    op.create_index("ix_prediction_grades_graded", "prediction_grades", ["graded_at"])
    if grade_rows:
        op.bulk_insert(grades, grade_rows)
    op.bulk_insert(
        sa.table("record_chain_head", sa.column("id"), sa.column("seq"), sa.column("head_hash")),
        [{"id": 1, "seq": head.seq, "head_hash": head.hash}],
    )


def _chain_existing(bind: sa.Connection) -> tuple[ChainHead, list[dict[str, Any]]]:
    """Chain every stored prediction (its chain columns written), then every stored grade;
    the head and the grade rows to append."""
    predictions = sa.Table("predictions", sa.MetaData(), autoload_with=bind)
    head = ChainHead(0, GENESIS)
    seqs: dict[int, int] = {}
    updates = []
    for row in bind.execute(sa.select(predictions).order_by(predictions.c.id)).mappings():
        content = prediction_content(row, head.seq + 1)
        digest = sha256_hex(canonical(content))
        updates.append(
            {"row_id": row["id"], "seq": content["seq"], "digest": digest, "prev": head.hash}
        )
        seqs[int(row["id"])] = content["seq"]
        head = ChainHead(content["seq"], link(head.hash, digest))
    if updates:
        bind.execute(
            predictions.update()
            .where(predictions.c.id == sa.bindparam("row_id"))
            .values(
                chain_seq=sa.bindparam("seq"),
                content_hash=sa.bindparam("digest"),
                prev_hash=sa.bindparam("prev"),
            ),
            updates,
        )
    graded = bind.execute(
        sa.select(predictions.c.id, *[predictions.c[c] for c in GRADE_COLUMNS])
        .where(predictions.c.graded_at.is_not(None))
        .order_by(predictions.c.graded_at, predictions.c.id)
    ).mappings()
    rows = []
    for row in graded:
        grade = {"prediction_id": row["id"], **{c: row[c] for c in GRADE_COLUMNS}}
        grade["graded_at"] = utc(grade["graded_at"])
        content = grade_content(grade, head.seq + 1, seqs[int(row["id"])])
        digest = sha256_hex(canonical(content))
        rows.append(
            grade | {"chain_seq": content["seq"], "content_hash": digest, "prev_hash": head.hash}
        )
        head = ChainHead(content["seq"], link(head.hash, digest))
    return head, rows


def downgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        for column in _grade_columns(graded=False):
            batch.add_column(column)
    bind = op.get_bind()
    predictions = sa.Table("predictions", sa.MetaData(), autoload_with=bind)
    grades = sa.Table("prediction_grades", sa.MetaData(), autoload_with=bind)
    for name in GRADE_COLUMNS:
        value = (
            sa.select(grades.c[name])
            .where(grades.c.prediction_id == predictions.c.id)
            .scalar_subquery()
        )
        bind.execute(predictions.update().values({name: value}))
    op.create_index("ix_predictions_graded", "predictions", ["graded_at"])
    op.drop_index("ix_prediction_grades_graded", table_name="prediction_grades")
    op.drop_table("prediction_grades")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_constraint("uq_predictions_chain_seq", type_="unique")
        batch.drop_column("prev_hash")
        batch.drop_column("content_hash")
        batch.drop_column("chain_seq")
    op.drop_table("record_chain_head")
