"""The bulk upsert's fast paths store exactly what its merge stores.

Rows reach the driver converted a column at a time, and PostgreSQL copies into an empty table
directly; a table holding one other row takes the staging merge instead. Both must leave the
same contents, on SQLite and PostgreSQL, for the fixture slice's box scores and prop lines.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import Engine, Table, delete

from statmusepicks.data.db.models import PlayerGameStats, PropLine
from statmusepicks.data.ingest import schemas, upsert
from statmusepicks.data.ingest.bundled import with_estimated_capture
from statmusepicks.data.ingest.validate import TableSchema, validate
from tests import factories

CASES = [
    (factories.player_logs, schemas.PLAYER_GAME_STATS, PlayerGameStats, "game_id", "SENTINEL"),
    (
        lambda: with_estimated_capture(factories.prop_lines()),
        schemas.PROP_LINES,
        PropLine,
        "player_name",
        "Sentinel Player",
    ),
]


def contents(engine: Engine, table: Table, key: tuple[str, ...]) -> pd.DataFrame:
    with engine.connect() as connection:
        stored = pd.read_sql(table.select(), connection)
    stored = stored.drop(columns=["id"], errors="ignore")  # prop_lines' surrogate key
    return stored.sort_values(list(key)).reset_index(drop=True)


@pytest.mark.parametrize(("read", "schema", "model", "column", "marker"), CASES)
def test_an_empty_and_a_filled_table_store_the_same_rows(
    engine: Engine,
    read: Callable[[], pd.DataFrame],
    schema: TableSchema,
    model: type,
    column: str,
    marker: str,
) -> None:
    table: Table = model.__table__  # type: ignore[attr-defined]
    clean = validate(read(), schema).clean

    first = upsert.upsert_frame(engine, table, clean, schema.key)
    into_empty = contents(engine, table, schema.key)

    with engine.begin() as connection:
        connection.execute(delete(table))
    upsert.upsert_frame(engine, table, clean.head(1).assign(**{column: marker}), schema.key)
    merged = upsert.upsert_frame(engine, table, clean, schema.key)
    into_filled = contents(engine, table, schema.key)
    into_filled = into_filled[into_filled[column] != marker].reset_index(drop=True)

    assert first.inserted == merged.inserted == len(clean)
    pd.testing.assert_frame_equal(into_empty, into_filled)


@pytest.mark.parametrize(("read", "schema"), [(case[0], case[1]) for case in CASES])
def test_rows_convert_a_column_at_a_time_as_they_did_a_cell_at_a_time(
    read: Callable[[], pd.DataFrame], schema: TableSchema
) -> None:
    clean = validate(read(), schema).clean
    by_column = list(upsert._python_rows(clean))
    by_cell = [
        tuple(upsert._python_value(value) for value in row)
        for row in clean.itertuples(index=False, name=None)
    ]
    assert by_column == by_cell
    assert [tuple(map(type, row)) for row in by_column] == [
        tuple(map(type, row)) for row in by_cell
    ]
