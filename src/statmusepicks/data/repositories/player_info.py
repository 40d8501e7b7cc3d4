"""Reading `player_info` (positions and bodies from NBA.com; `ingest.player_info` writes it)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from statmusepicks.data.db.models_players import PlayerInfo


def positions(session: Session, player_ids: Iterable[int]) -> dict[int, str]:
    """Each known player's primary position (G, F or C); players without info are absent."""
    ids = sorted({int(pid) for pid in player_ids})
    if not ids:
        return {}
    rows = session.execute(
        select(PlayerInfo.player_id, PlayerInfo.primary_position).where(
            PlayerInfo.player_id.in_(ids), PlayerInfo.primary_position.is_not(None)
        )
    ).all()
    return {int(pid): str(position) for pid, position in rows}


def players_without_info(session: Session, player_ids: Iterable[int]) -> list[int]:
    """The players among `player_ids` that no sync has read yet."""
    ids = sorted({int(pid) for pid in player_ids})
    known = set(session.scalars(select(PlayerInfo.player_id).where(PlayerInfo.player_id.in_(ids))))
    return [pid for pid in ids if pid not in known]
