"""The sync's outlier flags, summed in the database, equal the bundled load's rule applied to the
whole stored history plus the batch (`outlier_flags`), for new games and for re-ingested ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, Table, select

from statmusepicks.data.db.models import PlayerGameStats, TeamGameStats
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.bundled import load_bundled
from statmusepicks.data.ingest.history_flags import flag_against_history
from statmusepicks.data.ingest.validate import TableSchema, outlier_flags


def _whole_history_flags(
    engine: Engine, clean: pd.DataFrame, schema: TableSchema, table: Table
) -> pd.Series:
    """The rule as the bundled load applies it: every stored row not replaced, plus the batch."""
    key, group = list(schema.key), str(schema.outlier_group)
    with engine.connect() as connection:
        stored = pd.read_sql(select(table), connection)
    replaced = pd.MultiIndex.from_frame(stored[key].astype(str)).isin(
        pd.MultiIndex.from_frame(clean[key].astype(str))
    )
    columns = [group, *schema.outlier_columns]
    combined = pd.concat([stored.loc[~replaced, columns], clean[columns]], ignore_index=True)
    flags = outlier_flags(combined, list(schema.outlier_columns), group)
    return pd.Series(flags.iloc[-len(clean) :].to_numpy(), index=clean.index, dtype=object)


def _latest_rows(engine: Engine, table: Table) -> pd.DataFrame:
    with engine.connect() as connection:
        stored = pd.read_sql(select(table), connection)
    dates = sorted(stored["game_date"].astype(str).unique())
    return stored[stored["game_date"].astype(str).isin(dates[-3:])].reset_index(drop=True)


@pytest.mark.parametrize(
    ("model", "schema", "planted"),
    [
        (PlayerGameStats, schemas.PLAYER_GAME_STATS, {"pts": 70, "reb": 30}),
        (TeamGameStats, schemas.TEAM_GAME_STATS, {"pts": 175}),
    ],
)
def test_sums_in_the_database_flag_what_the_whole_history_flags(
    engine: Engine, bundle_dir: Path, model: type, schema: TableSchema, planted: dict[str, int]
) -> None:
    load_bundled(engine, bundle_dir)
    table = model.__table__  # type: ignore[attr-defined]
    reingested = _latest_rows(engine, table)
    for column, value in planted.items():
        reingested.loc[0, column] = value
    new_games = reingested.copy()
    new_games["game_id"] = "9" + new_games["game_id"].astype(str).str[1:]
    new_games.loc[1, "pts"] = 0

    for batch in (reingested, new_games, pd.concat([reingested, new_games], ignore_index=True)):
        expected = _whole_history_flags(engine, batch, schema, table)
        got = flag_against_history(engine, batch, schema, table)
        pd.testing.assert_series_equal(got, expected, check_names=False)
        assert got.notna().sum() >= 1
        assert set(planted) <= set(str(got.iloc[0]).split(","))
