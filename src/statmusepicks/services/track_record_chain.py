"""Use cases: check the prediction record's hash chain, publish its proof, export it.

`verify` recomputes every entry from its row as stored now and walks the chain against the
stored head (and, when given, a head published earlier): an edited row fails its content hash,
a removed one leaves a gap, a cut tail no longer reaches the head. `export` writes the chain as
a CSV plus its head (`record-<day>.csv`, `record-<day>.head.json`) that a third party checks
with `core/hash_chain.py` alone. The stored chain can always be recomputed by whoever holds the
database; what pins it is a head published outside it (the daily export), so a later rewrite
no longer reaches a head seen earlier.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from statmusepicks.core.hash_chain import (
    EXPORT_COLUMNS,
    GENESIS,
    ChainBreak,
    ChainHead,
    link,
    verify_entries,
)
from statmusepicks.data.db.models import Prediction, PredictionGrade
from statmusepicks.data.repositories.record_chain import (
    chain_entries,
    read_head,
    unchained_prediction,
)
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport

EXPORT_PATH = "/api/track_record/export.csv"
JOB = "record_export"
ALGORITHM = (
    "Entries (predictions and their grades) in `seq` order; content_hash = sha256(content), "
    "content being canonical JSON (sorted keys, no spaces); chain_hash = sha256(prev_hash + "
    "content_hash) in hex, the first prev_hash being 64 zeros; the head is the last chain_hash."
)


@dataclass(frozen=True)
class Verification:
    """The outcome of a check of the stored chain."""

    head: ChainHead
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


class RecordProof(BaseModel):
    """What pins the record now, and how to check it."""

    head_seq: int = Field(description="Sequence number of the last entry (entries run 1 to it).")
    head_hash: str = Field(description="Chain hash of the last entry (hex SHA-256).")
    predictions: int = Field(description="Served predictions in the chain.")
    grades: int = Field(description="Grades appended to the chain.")
    algorithm: str
    export_url: str = Field(description="The whole chain as CSV, checkable offline.")
    verify_command: str


def _entries_upto(connection: Connection, head: ChainHead) -> Iterator[dict[str, Any]]:
    """The stored entries up to `head` (entries appended after it was read are left out)."""
    return takewhile(lambda entry: entry["seq"] <= head.seq, chain_entries(connection))


def _passing(
    entries: Iterator[dict[str, Any]], seq: int, seen: dict[int, str]
) -> Iterator[dict[str, Any]]:
    """`entries` unchanged, noting the chain hash of entry `seq` in `seen` on the way."""
    for entry in entries:
        if entry["seq"] == seq:
            seen[seq] = link(entry["prev_hash"], entry["content_hash"])
        yield entry


def verify(container: Container, published: ChainHead | None = None) -> Verification:
    """Walk the stored chain (streamed); `published`: a head seen earlier that it must still
    pass through."""
    with container.engine.connect() as connection:
        stored = read_head(connection)
        outside = unchained_prediction(connection)
        if outside is not None:
            reason = "served prediction written outside the chain (no chain entry)"
            return Verification(stored, ChainBreak(0, "prediction", outside, reason))
        seen: dict[int, str] = {}
        watched = published.seq if published is not None else -1
        outcome = verify_entries(_passing(_entries_upto(connection, stored), watched, seen), stored)
    if isinstance(outcome, ChainBreak):
        return Verification(stored, outcome)
    if published is not None and seen.get(published.seq) != published.hash:
        reason = (
            f"the chain no longer passes through the published head: entry {published.seq} "
            f"is {seen.get(published.seq, 'missing')}, it was published as {published.hash}"
        )
        return Verification(stored, ChainBreak(published.seq, "head", None, reason))
    return Verification(stored, None)


def proof(container: Container) -> RecordProof:
    """The head, the counts and the way to check them."""
    with container.engine.connect() as connection:
        head = read_head(connection)
        predictions = connection.scalar(
            select(func.count()).where(
                Prediction.chain_seq.is_not(None), Prediction.chain_seq <= head.seq
            )
        )
        grades = connection.scalar(
            select(func.count()).where(PredictionGrade.chain_seq <= head.seq)
        )
    return RecordProof(
        head_seq=head.seq,
        head_hash=head.hash,
        predictions=int(predictions or 0),
        grades=int(grades or 0),
        algorithm=ALGORITHM,
        export_url=EXPORT_PATH,
        verify_command="python hash_chain.py record.csv  (or: statmusepicks track-record "
        "verify-file record.csv)",
    )


def export_rows(container: Container) -> Iterator[str]:
    """The chain as CSV text, a chunk per entry (header first), up to the head read first."""
    with container.engine.connect() as connection:
        head = read_head(connection)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for entry in _entries_upto(connection, head):
            writer.writerow(entry | {"chain_hash": link(entry["prev_hash"], entry["content_hash"])})
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()


def export(container: Container, directory: Path, as_of: dt.datetime) -> tuple[Path, ChainHead]:
    """Write `record-<day>.csv` and `record-<day>.head.json` under `directory`; the CSV's path
    and the head it ends at (its last row's chain hash)."""
    directory.mkdir(parents=True, exist_ok=True)
    records = directory / f"record-{as_of.date().isoformat()}.csv"
    with records.open("w", newline="", encoding="utf-8") as file:
        for chunk in export_rows(container):
            file.write(chunk)
    with records.open(newline="", encoding="utf-8") as file:
        last = next(iter(deque(csv.DictReader(file), maxlen=1)), None)
    head = (
        ChainHead(0, GENESIS) if last is None else ChainHead(int(last["seq"]), last["chain_hash"])
    )
    published = {"seq": head.seq, "hash": head.hash, "exported_at": as_of.isoformat()}
    records.with_suffix(".head.json").write_text(
        json.dumps(published | {"algorithm": ALGORITHM}, indent=1) + "\n"
    )
    return records, head


def export_record(container: Container, as_of: dt.datetime) -> JobReport:
    """The daily export into `<var_dir>/record/`, checked first: a broken chain is reported
    (and exported as it is, so that the break shows to whoever checks the file)."""
    report = JobReport(job=JOB, as_of=as_of)
    checked = verify(container)
    if checked.first_break is not None:
        report.errors.append(f"the stored chain is broken at {checked.first_break.describe()}")
    records, head = export(container, container.settings.var_dir / "record", as_of)
    report.rows = head.seq
    report.details = {"file": str(records), "head_seq": head.seq, "head_hash": head.hash}
    return report
