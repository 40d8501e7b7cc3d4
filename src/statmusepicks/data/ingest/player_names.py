"""Match the names books and injury feeds use to NBA.com player ids.

Names are folded the bundle's way (accents, punctuation and Jr./II/III off, lower case). When two
players share a folded name, the one on a team in the row's game wins, then the most recent.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from statmusepicks.core.stats import normalize_name
from statmusepicks.data.db.models import Player


def player_directory(engine: Engine) -> pd.DataFrame:
    """Every stored player's id, folded name, team and last game date."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Player.player_id, Player.name_key, Player.team, Player.last_game_date)
        ).all()
    return pd.DataFrame(rows, columns=["player_id", "name_key", "team", "last_game_date"])


def resolve_player_ids(
    names: pd.Series,
    directory: pd.DataFrame,
    teams: tuple[pd.Series, pd.Series] | None = None,
) -> pd.Series:
    """NBA.com ids for `names` (nullable Int64; <NA> when no stored player has the name).

    `teams` (home, away codes per row) breaks ties between namesakes.
    """
    keys = names.fillna("").astype(str).map(normalize_name)
    if directory.empty:
        return pd.Series(pd.NA, index=names.index, dtype="Int64")
    ranked = directory.sort_values("last_game_date", na_position="first")
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
