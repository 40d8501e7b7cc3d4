"""NBA.com `commonplayerinfo` rows mapped to the `player_info` table.

The endpoint writes position as words ("Guard", "Forward-Center", "Center-Forward"), height as
feet-inches ("6-11") and weight in pounds as text; empty strings and nulls both mean unknown.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from sqlalchemy import Engine

from statmusepicks.data.clients.teams import TEAM_NAME_BY_CODE
from statmusepicks.data.db.models_players import PlayerInfo
from statmusepicks.data.ingest.upsert import UpsertResult, upsert_frame

_HEIGHT = re.compile(r"^\s*(\d)-(\d{1,2})\s*$")
PRIMARY = {"guard": "G", "forward": "F", "center": "C"}
COLUMNS = (
    "player_id", "position", "primary_position", "height_inches", "weight_lbs", "birthdate",
    "country", "draft_year", "from_year", "team", "fetched_at",
)  # fmt: skip


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _whole(value: object) -> int | None:
    text = _text(value)
    return int(text) if text and text.isdigit() else None


def height_inches(value: object) -> int | None:
    """'6-11' as 83 inches (None when missing or malformed)."""
    match = _HEIGHT.match(_text(value) or "")
    return int(match[1]) * 12 + int(match[2]) if match else None


def primary_position(value: object) -> str | None:
    """The first position NBA.com lists, as G, F or C ('Forward-Center' -> 'F')."""
    text = (_text(value) or "").split("-")[0].strip().lower()
    return PRIMARY.get(text)


def _birthdate(value: object) -> dt.date | None:
    text = _text(value)
    return pd.Timestamp(text).date() if text else None


def player_info_rows(frame: pd.DataFrame, fetched_at: dt.datetime) -> pd.DataFrame:
    """The `player_info` rows of a CommonPlayerInfo result set (one per player)."""
    known_teams = set(TEAM_NAME_BY_CODE)
    rows = [
        {
            "player_id": int(row["PERSON_ID"]),
            "position": _text(row["POSITION"]),
            "primary_position": primary_position(row["POSITION"]),
            "height_inches": height_inches(row["HEIGHT"]),
            "weight_lbs": _whole(row["WEIGHT"]),
            "birthdate": _birthdate(row["BIRTHDATE"]),
            "country": _text(row["COUNTRY"]),
            "draft_year": _whole(row["DRAFT_YEAR"]),
            "from_year": _whole(row["FROM_YEAR"]),
            "team": team if (team := _text(row["TEAM_ABBREVIATION"])) in known_teams else None,
            "fetched_at": fetched_at,
        }
        for _, row in frame.iterrows()
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def store_player_info(engine: Engine, rows: pd.DataFrame) -> UpsertResult:
    """Insert or overwrite each player's row (the key is the player id)."""
    return upsert_frame(engine, PlayerInfo.__table__, rows, ["player_id"])  # type: ignore[arg-type]
