"""Match the names books and injury feeds use to NBA.com player ids.

Names are matched on `match_key` (accents, punctuation and Jr./II/III off, lower case, initials
joined) against every stored player's own name, the spellings learned from resolved prop lines
and the curated nicknames (`data/repositories/aliases.py`), the best source first. When two
players share a key, the one on a team in the row's game wins, then the most recent.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from statmusepicks.data.db.models import Player
from statmusepicks.data.repositories.aliases import alias_table, match_key

DIRECTORY_COLUMNS = ["player_id", "name_key", "team", "last_game_date", "level"]


def player_directory(engine: Engine) -> pd.DataFrame:
    """Every key a stored player answers to, with id, team, last game date and source level."""
    with engine.connect() as connection:
        table = alias_table(connection)
        players = connection.execute(
            select(Player.player_id, Player.team, Player.last_game_date)
        ).all()
    keys = pd.DataFrame(table.rows(), columns=["name_key", "player_id", "level"])
    details = pd.DataFrame(players, columns=["player_id", "team", "last_game_date"])
    return keys.merge(details, on="player_id")[DIRECTORY_COLUMNS]


def resolve_player_ids(
    names: pd.Series,
    directory: pd.DataFrame,
    teams: tuple[pd.Series, pd.Series] | None = None,
) -> pd.Series:
    """NBA.com ids for `names` (nullable Int64; <NA> when no stored player has the name).

    `teams` (home, away codes per row) breaks ties between namesakes.
    """
    keys = names.fillna("").astype(str).map(match_key)
    if directory.empty:
        return pd.Series(pd.NA, index=names.index, dtype="Int64")
    level = directory["level"] if "level" in directory else pd.Series(0, index=directory.index)
    best = directory[level == level.groupby(directory["name_key"]).transform("min")]
    ranked = best.sort_values("last_game_date", na_position="first")
    latest = ranked.drop_duplicates("name_key", keep="last").set_index("name_key")["player_id"]
    ids = keys.map(latest)
    if teams is not None:
        home, away = teams
        by_team = ranked.drop_duplicates(["name_key", "team"], keep="last").set_index(
            ["name_key", "team"]
        )["player_id"]
        for side in (away, home):
            pairs = pd.MultiIndex.from_arrays([keys, side.fillna("").astype(str)])
            on_team = pd.Series(by_team.reindex(pairs).to_numpy(), index=names.index)
            ids = on_team.where(on_team.notna(), ids)
    return ids.astype("Int64")
