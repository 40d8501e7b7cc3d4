"""The prediction record's hash chain in the database: its entries, its head, appending.

Predictions and their grades share one chain, ordered by `chain_seq`. The head (last sequence
number and chain hash) lives in the one-row table `record_chain_head`, which is also the lock
that keeps the chain linear: every append takes it first, inside its transaction (`SELECT ...
FOR UPDATE` on PostgreSQL; `BEGIN IMMEDIATE`, the database's write lock, on SQLite), so
concurrent writers in any number of processes queue up instead of forking the chain.

The canonical content of an entry is the public part of its row (no request payload, no API
key). Changing the fields or their form would break the check of every stored entry: they are
fixed once, here.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from statmusepicks.core.hash_chain import GENESIS, ChainHead, canonical, link, sha256_hex
from statmusepicks.data.db.models import Prediction, PredictionGrade
from statmusepicks.data.db.models_record import RecordChainHead

HEAD_ID = 1
PREDICTION_FIELDS = (
    "created_at",
    "player_id",
    "player_name",
    "stat",
    "line",
    "game_date",
    "odds_over",
    "odds_under",
    "predicted_value",
    "over_probability",
    "under_probability",
    "push_probability",
    "recommendation",
    "expected_value",
    "kelly_fraction",
    "model_version",
    "model_scope",
    "arm",
    "experiment_id",
)
GRADE_FIELDS = ("prediction_id", "graded_at", "actual", "result", "profit")
# Rows read per round trip while the whole chain is streamed (verify, export).
STREAM_BATCH = 5000


def utc(moment: dt.datetime) -> dt.datetime:
    """`moment` in UTC; a naive time (SQLite hands them back so) is taken as UTC already."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _json_value(value: Any, kind: type) -> Any:
    """A column's value in its canonical JSON form, by the column's type (so that 20 and 20.0
    hash alike whether or not the database handed back a float)."""
    if value is None:
        return None
    if kind is dt.datetime:
        return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind is dt.date:
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if kind is float:
        return float(value)
    if kind is int:
        return int(value)
    return str(value)


def _content(table: Any, row: Mapping[Any, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {f: _json_value(row[f], table.c[f].type.python_type) for f in fields}


def prediction_content(row: Mapping[Any, Any], seq: int) -> dict[str, Any]:
    """The hashed content of a served prediction, entry `seq` of the chain."""
    fields = _content(Prediction.__table__, row, PREDICTION_FIELDS)
    return {"kind": "prediction", "seq": seq} | fields


def grade_content(row: Mapping[Any, Any], seq: int, prediction_seq: int | None) -> dict[str, Any]:
    """The hashed content of a grade: it names its prediction's entry, so it cannot be moved."""
    fields = _content(PredictionGrade.__table__, row, GRADE_FIELDS)
    return {"kind": "grade", "seq": seq, "prediction_seq": prediction_seq} | fields


def lock_head(connection: Connection) -> ChainHead:
    """Take the chain's lock for this transaction and read its head (created when missing).

    Must be the first statement of the transaction: on SQLite `BEGIN IMMEDIATE` opens it.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    query = select(RecordChainHead).where(RecordChainHead.id == HEAD_ID).with_for_update()
    head = connection.execute(query).one_or_none()
    if head is None:
        # Only a schema built without the migration lacks the row; creating it here races
        # only against another first writer, which the primary key turns into an error.
        connection.execute(insert(RecordChainHead).values(id=HEAD_ID, seq=0, head_hash=GENESIS))
        return ChainHead(0, GENESIS)
    return ChainHead(int(head.seq), str(head.head_hash))


def read_head(connection: Connection) -> ChainHead:
    """The head as last committed (no lock)."""
    head = connection.execute(
        select(RecordChainHead.seq, RecordChainHead.head_hash).where(RecordChainHead.id == HEAD_ID)
    ).one_or_none()
    return ChainHead(0, GENESIS) if head is None else ChainHead(int(head.seq), str(head.head_hash))


def _store_head(connection: Connection, head: ChainHead, at: dt.datetime) -> None:
    connection.execute(
        update(RecordChainHead)
        .where(RecordChainHead.id == HEAD_ID)
        .values(seq=head.seq, head_hash=head.hash, updated_at=at)
    )


def _chained(content: dict[str, Any], head: ChainHead) -> tuple[dict[str, Any], ChainHead]:
    """The chain columns of an entry following `head`, and the new head."""
    digest = sha256_hex(canonical(content))
    columns = {"chain_seq": content["seq"], "content_hash": digest, "prev_hash": head.hash}
    return columns, ChainHead(content["seq"], link(head.hash, digest))


def append_predictions(
    connection: Connection, rows: Sequence[Mapping[str, Any]], *, at: dt.datetime
) -> list[int]:
    """Append served predictions (each with its `created_at`) to the chain; their ids.

    Runs in the caller's transaction, which must not have executed anything yet.
    """
    head = lock_head(connection)
    stored = []
    for given in rows:
        # Absent optional fields are stored (and hashed) as null.
        row: dict[str, Any] = {**dict.fromkeys(PREDICTION_FIELDS), **given}
        row["created_at"] = utc(row["created_at"])
        columns, head = _chained(prediction_content(row, head.seq + 1), head)
        stored.append(row | columns)
    if not stored:
        return []
    ids = connection.execute(insert(Prediction).returning(Prediction.id), stored).scalars().all()
    _store_head(connection, head, at)
    return [int(i) for i in ids]


def append_grades(
    connection: Connection, grades: Sequence[Mapping[str, Any]], *, at: dt.datetime
) -> int:
    """Append grades (prediction_id, graded_at, actual, result, profit) to the chain.

    A prediction graded already (by a concurrent run) is skipped, under the lock, so each
    prediction has one grade; returns how many were appended.
    """
    head = lock_head(connection)
    wanted = {int(g["prediction_id"]) for g in grades}
    found = connection.execute(
        select(Prediction.id, Prediction.chain_seq).where(Prediction.id.in_(wanted))
    )
    seqs = {int(prediction_id): seq for prediction_id, seq in found}
    done = set(
        connection.execute(
            select(PredictionGrade.prediction_id).where(PredictionGrade.prediction_id.in_(wanted))
        ).scalars()
    )
    stored = []
    for grade in grades:
        prediction_id = int(grade["prediction_id"])
        if prediction_id in done or prediction_id not in seqs:
            continue
        done.add(prediction_id)
        row = {f: grade[f] for f in GRADE_FIELDS} | {"graded_at": utc(grade["graded_at"])}
        content = grade_content(row, head.seq + 1, seqs[prediction_id])
        columns, head = _chained(content, head)
        stored.append(row | columns)
    if stored:
        connection.execute(insert(PredictionGrade), stored)
        _store_head(connection, head, at)
    return len(stored)


def _prediction_entries(connection: Connection) -> Iterator[tuple[int, str, Mapping[Any, Any]]]:
    columns = [getattr(Prediction, f) for f in PREDICTION_FIELDS]
    query = (
        select(Prediction.id, Prediction.chain_seq, Prediction.content_hash, Prediction.prev_hash)
        .add_columns(*columns)
        .where(Prediction.chain_seq.is_not(None))
        .order_by(Prediction.chain_seq)
    )
    for row in connection.execution_options(yield_per=STREAM_BATCH).execute(query).mappings():
        yield int(row["chain_seq"]), "prediction", row


def _grade_entries(connection: Connection) -> Iterator[tuple[int, str, Mapping[Any, Any]]]:
    query = (
        select(
            PredictionGrade.__table__,
            Prediction.chain_seq.label("prediction_seq"),
        )
        .join(Prediction, Prediction.id == PredictionGrade.prediction_id, isouter=True)
        .order_by(PredictionGrade.chain_seq)
    )
    for row in connection.execution_options(yield_per=STREAM_BATCH).execute(query).mappings():
        yield int(row["chain_seq"]), "grade", row


def chain_entries(connection: Connection) -> Iterator[dict[str, Any]]:
    """Every stored entry in chain order: seq, kind, row_id, content (recomputed from the row
    as it is now), and the stored content_hash and prev_hash."""
    merged = heapq.merge(_prediction_entries(connection), _grade_entries(connection))
    for seq, kind, row in merged:
        if kind == "prediction":
            content = prediction_content(row, seq)
        else:
            content = grade_content(row, seq, row["prediction_seq"])
        yield {
            "seq": seq,
            "kind": kind,
            "row_id": int(row["id"]),
            "content": canonical(content),
            "content_hash": row["content_hash"],
            "prev_hash": row["prev_hash"],
        }


def unchained_prediction(connection: Connection) -> int | None:
    """The id of the first prediction written around the chain (None when there is none)."""
    return connection.execute(
        select(Prediction.id).where(Prediction.chain_seq.is_(None)).order_by(Prediction.id).limit(1)
    ).scalar_one_or_none()
