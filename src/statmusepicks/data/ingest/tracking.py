"""One `ingestion_runs` row per live sync or file import, closed as succeeded or failed.

The syncs (NBA, odds) and imports (lines, injuries) share this wrapper so that every run leaves
the same audit trail: per-table counts, quarantine reasons, raw payload references and, on
failure, the error that stopped it. A run given the upstream client it reads through also
stores that client's requests and failures per endpoint (`details.endpoints`), which the data
quality job turns into failure rates per endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.data.clients.payloads import PayloadRef
from statmusepicks.data.clients.upstream import EndpointCalls
from statmusepicks.data.ingest.bundled import TableReport
from statmusepicks.data.ingest.runs import RunCounts, finish_run, quarantine, start_run


@dataclass
class RunTracker:
    """What a run has done so far; the sync adds to it as it goes."""

    engine: Engine
    run_id: int
    kind: str
    tables: list[TableReport] = field(default_factory=list)
    payloads: list[PayloadRef] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    calls: EndpointCalls | None = None
    calls_before: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_payload(self, ref: PayloadRef | None) -> None:
        """Remember a raw body this run read (None when no payload store is configured)."""
        if ref is not None and ref not in self.payloads:
            self.payloads.append(ref)

    def add_table(self, report: TableReport) -> None:
        """Count one table's load into the run."""
        self.tables.append(report)

    def quarantine_rows(self, table: str, rejected: pd.DataFrame) -> int:
        """Quarantine rows rejected before validation (e.g. malformed upstream rows)."""
        return quarantine(self.engine, self.run_id, table, rejected)

    def table(self, name: str) -> TableReport:
        """The summed report of every load into `name` during this run."""
        total = TableReport(table=name)
        for report in self.tables:
            if report.table != name:
                continue
            total.merge(report)
        return total

    def counts(self) -> RunCounts:
        """Run totals plus a per-table breakdown for `ingestion_runs.details`."""
        counts = RunCounts(details=dict(self.details))
        for name in dict.fromkeys(report.table for report in self.tables):
            self.table(name).count_into(counts)
        counts.details["payloads"] = [ref.to_dict() for ref in self.payloads]
        if self.calls is not None:
            counts.details["endpoints"] = self.calls.since(self.calls_before)
        return counts


@contextmanager
def tracked_run(
    engine: Engine, kind: str, calls: EndpointCalls | None = None
) -> Iterator[RunTracker]:
    """Record a run around the block; an exception marks it failed (and propagates).

    `calls`: the upstream client's counts; the requests made during the block are stored.
    """
    tracker = RunTracker(
        engine=engine,
        run_id=start_run(engine, kind),
        kind=kind,
        calls=calls,
        calls_before=calls.snapshot() if calls is not None else {},
    )
    try:
        yield tracker
    except Exception as exc:
        message = exc.message if isinstance(exc, StatMusePicksError) else repr(exc)
        finish_run(
            engine,
            tracker.run_id,
            "failed",
            tracker.counts(),
            errors=[message],
            payload_refs=[ref.sha256 for ref in tracker.payloads],
        )
        raise
    finish_run(
        engine,
        tracker.run_id,
        "succeeded",
        tracker.counts(),
        payload_refs=[ref.sha256 for ref in tracker.payloads],
    )
