"""Outlier flags of a day's new rows, measured against each player's (team's) stored games.

A day's batch holds one game per player, too few for a standard deviation; the bundled load
flags against the whole history (`validate.outlier_flags`), so the sync must too for the same
rule to hold. The rule needs only each group's count, mean and standard deviation, and those
follow from three sums per column, so the database adds them up instead of sending the day's
players' 100k stored games to pandas (the sync's largest cost after start-up). The same sums
of the stored rows the batch replaces are taken back out, so a re-ingested game is not counted
twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Table, func, select

from statmusepicks.data.ingest.validate import OUTLIER_MIN_GAMES, TableSchema, flags_from_scores

_SUMS = ("n", "s", "q")


def python_value(value: Any) -> Any:
    """A numpy scalar as the plain Python value database drivers bind."""
    return value.item() if hasattr(value, "item") else value


def _stored_sums(
    engine: Engine, table: Table, group: str, columns: list[str], groups: list[Any]
) -> pd.DataFrame:
    """Per group and column: count of values, their sum and their sum of squares."""
    sums = []
    for column in columns:
        cell = table.c[column]
        sums += [
            func.count(cell).label(f"n_{column}"),
            func.coalesce(func.sum(cell), 0.0).label(f"s_{column}"),
            func.coalesce(func.sum(cell * cell), 0.0).label(f"q_{column}"),
        ]
    statement = (
        select(table.c[group], *sums).where(table.c[group].in_(groups)).group_by(table.c[group])
    )
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(statement)]
    frame = pd.DataFrame(rows, columns=[group, *(s.name for s in sums)])
    return frame.set_index(group).astype(float)


def _replaced_rows(
    engine: Engine, table: Table, clean: pd.DataFrame, schema: TableSchema
) -> pd.DataFrame:
    """The stored rows that share a key with the batch (a re-ingested day)."""
    key = list(schema.key)
    wanted = dict.fromkeys([*key, str(schema.outlier_group), *schema.outlier_columns])
    # Every key column narrowed to the batch's values, so the database reads the day's games
    # (indexed) rather than the players' whole history.
    statement = select(*(table.c[c] for c in wanted)).where(
        *(table.c[c].in_([python_value(v) for v in clean[c].dropna().unique()]) for c in key)
    )
    with engine.connect() as connection:
        stored = pd.DataFrame(
            [tuple(row) for row in connection.execute(statement)], columns=list(wanted)
        )
    if stored.empty:
        return stored
    new_keys = pd.MultiIndex.from_frame(clean[key].astype(str))
    return stored[pd.MultiIndex.from_frame(stored[key].astype(str)).isin(new_keys)]


def _row_sums(rows: pd.DataFrame, group: str, columns: list[str]) -> pd.DataFrame:
    """The same three sums over rows held in memory."""
    parts = {}
    for column in columns:
        values = pd.to_numeric(rows[column], errors="coerce").astype(float)
        grouped = values.groupby(rows[group])
        parts[f"n_{column}"] = grouped.count()
        parts[f"s_{column}"] = grouped.sum()
        parts[f"q_{column}"] = (values * values).groupby(rows[group]).sum()
    return pd.DataFrame(parts).astype(float)


def flag_against_history(
    engine: Engine, clean: pd.DataFrame, schema: TableSchema, table: Table
) -> pd.Series:
    """Comma-separated columns of each new row more than 3 sigma from its group's mean over
    stored and new rows (None when none), as `outlier_flags` gives over the whole history."""
    group = schema.outlier_group
    columns = list(schema.outlier_columns)
    if clean.empty or group is None:
        return pd.Series([None] * len(clean), index=clean.index, dtype=object)
    groups = [python_value(v) for v in clean[group].dropna().unique()]
    stored = _stored_sums(engine, table, group, columns, groups)
    replaced = _replaced_rows(engine, table, clean, schema)
    totals = stored.sub(_row_sums(replaced, group, columns), fill_value=0.0)
    totals = totals.add(_row_sums(clean, group, columns), fill_value=0.0)
    scores = {}
    for column in columns:
        n, s, q = (clean[group].map(totals[f"{part}_{column}"]) for part in _SUMS)
        mean = s / n
        # Sample variance (ddof 1), as pandas' std in the bundled load.
        variance = ((q - s * mean) / (n - 1)).clip(lower=0.0)
        std = np.sqrt(variance).replace(0.0, np.nan)
        values = pd.to_numeric(clean[column], errors="coerce").astype(float)
        scores[column] = ((values - mean) / std).where(n >= OUTLIER_MIN_GAMES)
    return flags_from_scores(scores, clean.index)
