"""Row counts of stored tables, the figure most storage tests assert on."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, func, select

from statmusepicks.data.db.models import Game, Player, PlayerGameStats, TeamGameStats

# The tables a box-score sync fills.
BOX_SCORE_TABLES = (PlayerGameStats, TeamGameStats, Game, Player)


def row_count(engine: Engine, model: type) -> int:
    """How many rows the table of `model` holds."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def row_counts(engine: Engine, models: Iterable[type]) -> dict[str, int]:
    """Rows per table name of each of `models`."""
    return {model.__tablename__: row_count(engine, model) for model in models}  # type: ignore[attr-defined]
