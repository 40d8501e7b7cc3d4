"""Idempotent, dialect-aware bulk upsert of a DataFrame into a table.

A row whose values are unchanged is not written again, so a second load of the same data
reports zero inserts and zero updates. PostgreSQL streams rows with COPY into a temporary table
and merges with one INSERT ... ON CONFLICT; SQLite uses executemany with the same statement.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Table, func, select, text


@dataclass(frozen=True)
class UpsertResult:
    """How many rows were new and how many existing rows changed."""

    inserted: int
    updated: int


def upsert_frame(
    engine: Engine,
    table: Table,
    frame: pd.DataFrame,
    key: Sequence[str],
    *,
    update_columns: Sequence[str] | None = None,
    chunk_rows: int = 50_000,
) -> UpsertResult:
    """Insert new rows, update changed rows, leave identical rows alone.

    `update_columns` limits what an existing row may have overwritten (default: every non-key
    column; an empty tuple keeps the first version of each row).
    """
    columns = [column for column in frame.columns if column in table.columns]
    updates = (
        [c for c in columns if c not in key] if update_columns is None else list(update_columns)
    )
    if frame.empty:
        return UpsertResult(0, 0)
    rows = _python_rows(frame[columns])
    with engine.begin() as connection:
        before = connection.execute(select(func.count()).select_from(table)).scalar_one()
        merge = _Merge(table, columns, key, updates)
        if connection.dialect.name == "postgresql":
            written = _postgres_merge(connection, merge, rows)
        else:
            written = _sqlite_merge(connection, merge, rows, chunk_rows)
        after = connection.execute(select(func.count()).select_from(table)).scalar_one()
    inserted = int(after - before)
    return UpsertResult(inserted=inserted, updated=max(written - inserted, 0))


@dataclass(frozen=True)
class _Merge:
    """One merge: the table, the columns written, the conflict key and the columns a changed
    row updates (both dialects build the same statement from these)."""

    table: Table
    columns: Sequence[str]
    key: Sequence[str]
    updates: Sequence[str]

    def sql(self, source: str) -> str:
        """INSERT ... ON CONFLICT from `source`, updating only rows whose values changed."""
        name = self.table.name
        quoted = [f'"{column}"' for column in self.columns]
        conflict = ", ".join(f'"{column}"' for column in self.key)
        if not self.updates:
            action = "DO NOTHING"
        else:
            assignments = ", ".join(f'"{c}" = excluded."{c}"' for c in self.updates)
            changed = " OR ".join(
                f'{name}."{c}" IS DISTINCT FROM excluded."{c}"' for c in self.updates
            )
            action = f"DO UPDATE SET {assignments} WHERE {changed}"
        insert = f"INSERT INTO {name} ({', '.join(quoted)}) {source}"
        return f"{insert} ON CONFLICT ({conflict}) {action}"


def _postgres_merge(connection: Connection, merge: _Merge, rows: Iterator[tuple[Any, ...]]) -> int:
    name = merge.table.name
    staging = f"staging_{name}"
    connection.execute(
        text(f"CREATE TEMP TABLE {staging} (LIKE {name} INCLUDING DEFAULTS) ON COMMIT DROP")
    )
    quoted = ", ".join(f'"{column}"' for column in merge.columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {staging} ({quoted}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)
    sql = merge.sql(f"SELECT {quoted} FROM {staging}")
    result = connection.execute(text(sql))
    return int(result.rowcount or 0)


def _sqlite_merge(
    connection: Connection, merge: _Merge, rows: Iterator[tuple[Any, ...]], chunk_rows: int
) -> int:
    # SQLite spells IS DISTINCT FROM as IS NOT; the rest of the statement is shared.
    sql = merge.sql(f"VALUES ({', '.join('?' * len(merge.columns))})")
    sql = sql.replace("IS DISTINCT FROM", "IS NOT")
    raw = connection.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    before = raw.total_changes  # type: ignore[union-attr]
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_rows:
            cursor.executemany(sql, chunk)
            chunk = []
    if chunk:
        cursor.executemany(sql, chunk)
    cursor.close()
    return int(raw.total_changes - before)  # type: ignore[union-attr]


def _python_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    for row in frame.itertuples(index=False, name=None):
        yield tuple(_python_value(value) for value in row)


def _python_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (dt.date, str)):
        return value.item()
    return value
