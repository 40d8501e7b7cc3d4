"""leaguegamelog rows in the bundled tables' shape: column names, matchups, minutes, estimates.

Values are carried as the upstream sent them (the validator judges them afterwards); only what
the bundle itself derives is computed here: opponent and venue from the matchup string, decimal
minutes from clock strings, ten-character game ids, and the team rows' possession estimates.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from statmusepicks.core.box_score import BOX_SCORE_COLUMNS, possessions
from statmusepicks.data.ingest import schemas

SOURCE = "NBA.com leaguegamelog (daily sync)"
_COUNT_COLUMNS = {column.upper(): column for column in BOX_SCORE_COLUMNS}
PLAYER_COLUMNS = {
    "PLAYER_ID": "player_id",
    "PLAYER_NAME": "player_name",
    "TEAM_ID": "team_id",
    "TEAM_ABBREVIATION": "team",
    "GAME_ID": "game_id",
    "GAME_DATE": "game_date",
    "MATCHUP": "matchup",
    "WL": "wl",
    "MIN": "min",
    **_COUNT_COLUMNS,
    "PLUS_MINUS": "plus_minus",
}
TEAM_COLUMNS = {key: value for key, value in PLAYER_COLUMNS.items() if "PLAYER" not in key}
_MATCHUP = re.compile(r"^\s*([A-Z]{2,3})\s+(vs\.?|@)\s+([A-Z]{2,3})\s*$")
_CLOCK = re.compile(r"^\s*(\d+):(\d{1,2})\s*$")


def parse_matchup(matchup: pd.Series, team: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Opponent and home flag from NBA.com's `BOS vs. NYK` / `BOS @ NYK`, relative to `team`.

    At neutral sites NBA.com gives both teams the same string, so the opponent is whichever
    code is not the row's own team (the bundle's rule, which keeps both sources aligned).
    """
    parts = matchup.astype("string").str.extract(_MATCHUP)
    parsed = parts[0].notna().to_numpy(dtype=bool)
    first, separator, last = (parts[i].fillna("").astype(object) for i in range(3))
    own = team.astype("string").fillna("").astype(object)
    is_first = (first == own).to_numpy(dtype=bool)
    is_last = (last == own).to_numpy(dtype=bool)
    home_marker = separator.str.startswith("vs").to_numpy(dtype=bool)
    opp = pd.Series(np.where(is_first, last, first), index=matchup.index, dtype=object)
    is_home = pd.Series((home_marker & is_first) | (~home_marker & is_last), index=matchup.index)
    return opp.where(parsed), is_home.astype(object).where(parsed)


def _minutes(values: pd.Series) -> pd.Series:
    """Whole minutes as sent, or `MM:SS` clock strings (some endpoints) as decimal minutes."""
    text = values.astype("string")
    clock = text.str.extract(_CLOCK)
    as_clock = pd.to_numeric(clock[0]) + pd.to_numeric(clock[1]) / 60
    return values.where(clock[0].isna(), as_clock.round(2))


def _game_ids(values: pd.Series) -> pd.Series:
    """Ten-character NBA.com game ids (a JSON number loses the leading zeros)."""
    text = values.astype("string").str.strip()
    return text.where(~text.str.fullmatch(r"\d{1,9}").fillna(False), text.str.zfill(10))


def _mapped(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    # Only columns the upstream sent are carried; a missing one is left for the validator to
    # report ("missing column 'pts'") rather than silently filled.
    present = {upstream: ours for upstream, ours in columns.items() if upstream in frame.columns}
    out = frame[list(present)].rename(columns=present)
    out["season"] = frame.get("_season")
    out["season_type"] = frame.get("_season_type")
    if "game_id" in out:
        out["game_id"] = _game_ids(out["game_id"])
    if "min" in out:
        out["min"] = _minutes(out["min"])
    if "matchup" in out and "team" in out:
        out["opp"], out["is_home"] = parse_matchup(out["matchup"], out["team"])
    out["source"] = SOURCE
    return out


def player_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """leaguegamelog (P) rows in the `player_game_stats` shape, values as sent."""
    if frame.empty:
        return pd.DataFrame(columns=schemas.PLAYER_GAME_STATS.column_names)
    return _mapped(frame, PLAYER_COLUMNS)


def team_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """leaguegamelog (T) rows in the `team_game_stats` shape, with the opponent's box alongside.

    Possessions, pace and ratings are the bundle's estimates, as its README defines them:
    `core.box_score.possessions`, pace per 48 minutes, ratings per 100 of the two teams' mean
    possessions.
    """
    if frame.empty:
        return pd.DataFrame(columns=schemas.TEAM_GAME_STATS.column_names)
    rows = _mapped(frame, TEAM_COLUMNS)
    box = [column for column in BOX_SCORE_COLUMNS if column in rows.columns]
    if "game_id" in rows and "team_id" in rows:
        rows = rows.reset_index(drop=True).reset_index(names="_order")
        opponent = rows.loc[rows["game_id"].notna(), ["game_id", "team_id", *box]].rename(
            columns={"team_id": "_opp_team_id", **{c: f"opp_{c}" for c in box}}
        )
        pairs = rows[["_order", "game_id", "team_id"]].merge(opponent, on="game_id")
        pairs = pairs[pairs["team_id"].ne(pairs["_opp_team_id"])].drop_duplicates("_order")
        # A team row without its opponent keeps empty opp_* cells: the validator quarantines it.
        rows = rows.merge(
            pairs.drop(columns=["game_id", "team_id", "_opp_team_id"]), on="_order", how="left"
        )
        rows = rows.drop(columns=["_order"])
    if "pts" in rows and "plus_minus" in rows and "opp_pts" in rows:
        # The bundle recomputes plus/minus from the score (README: the source disagreed in 0.9%).
        score = pd.to_numeric(rows["pts"], errors="coerce") - pd.to_numeric(
            rows["opp_pts"], errors="coerce"
        )
        rows["plus_minus"] = score.where(score.notna(), rows["plus_minus"])
    return _with_estimates(rows)


def _with_estimates(rows: pd.DataFrame) -> pd.DataFrame:
    needed = ["fga", "oreb", "tov", "fta", "opp_fga", "opp_oreb", "opp_tov", "opp_fta"]
    if not all(column in rows for column in [*needed, "pts", "opp_pts", "min"]):
        return rows

    def number(column: str) -> pd.Series:
        return pd.to_numeric(rows[column], errors="coerce").astype(float)

    poss = possessions(number("fga"), number("oreb"), number("tov"), number("fta"))
    opp_poss = possessions(
        number("opp_fga"), number("opp_oreb"), number("opp_tov"), number("opp_fta")
    )
    mean_poss = (poss + opp_poss) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["poss_est"] = poss.round(2)
        rows["opp_poss_est"] = opp_poss.round(2)
        rows["pace_est"] = (48 * mean_poss / (number("min") / 5)).round(2)
        rows["off_rtg_est"] = (100 * number("pts") / mean_poss).round(2)
        rows["def_rtg_est"] = (100 * number("opp_pts") / mean_poss).round(2)
    return rows
