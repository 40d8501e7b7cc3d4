"""Incoming-row schemas for every table the loaders write (bundled files and live syncs)."""

from __future__ import annotations

import pandas as pd

from statmusepicks.core.stats import BOX_SCORE_COLUMNS
from statmusepicks.data.ingest.validate import Column, RowCheck, TableSchema

COUNTS = BOX_SCORE_COLUMNS
TEAM_CODES = [
    "ATL",
    "BKN",
    "BOS",
    "CHA",
    "CHI",
    "CLE",
    "DAL",
    "DEN",
    "DET",
    "GSW",
    "HOU",
    "IND",
    "LAC",
    "LAL",
    "MEM",
    "MIA",
    "MIL",
    "MIN",
    "NOP",
    "NYK",
    "OKC",
    "ORL",
    "PHI",
    "PHX",
    "POR",
    "SAC",
    "SAS",
    "TOR",
    "UTA",
    "WAS",
]


def _count_columns(prefix: str = "", maximum: float = 200) -> tuple[Column, ...]:
    return tuple(Column(f"{prefix}{name}", "int", minimum=0, maximum=maximum) for name in COUNTS)


def _points_inconsistent(frame: pd.DataFrame, prefix: str = "") -> pd.Series:
    p = prefix
    return frame[f"{p}pts"] != 2 * frame[f"{p}fgm"] + frame[f"{p}fg3m"] + frame[f"{p}ftm"]


def _makes_exceed_attempts(frame: pd.DataFrame) -> pd.Series:
    return (
        (frame["fgm"] > frame["fga"])
        | (frame["fg3m"] > frame["fg3a"])
        | (frame["ftm"] > frame["fta"])
        | (frame["fg3m"] > frame["fgm"])
    )


def _unknown_team(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].notna() & ~frame[column].isin(TEAM_CODES)


BOX_CHECKS = (
    RowCheck("inconsistent points: pts != 2*fgm + fg3m + ftm", _points_inconsistent),
    RowCheck(
        "inconsistent rebounds: reb != oreb + dreb", lambda f: f["reb"] != f["oreb"] + f["dreb"]
    ),
    RowCheck("more makes than attempts", _makes_exceed_attempts),
    RowCheck("unknown team code", lambda f: _unknown_team(f, "team") | _unknown_team(f, "opp")),
)

PLAYER_GAME_STATS = TableSchema(
    table="player_game_stats",
    columns=(
        Column("season", "str"),
        Column("season_type", "str"),
        Column("game_id", "str"),
        Column("game_date", "date"),
        Column("player_id", "int", minimum=1),
        Column("player_name", "str"),
        Column("team_id", "int", minimum=1),
        Column("team", "str"),
        Column("opp", "str"),
        Column("is_home", "bool"),
        Column("matchup", "str", required=False),
        Column("wl", "str", required=False),
        Column("min", "float", minimum=0, maximum=70),
        *_count_columns(maximum=120),
        Column("plus_minus", "float", required=False),
        Column("source", "str", required=False),
    ),
    key=("player_id", "game_id"),
    checks=BOX_CHECKS,
    outlier_columns=("pts", "reb", "ast", "fg3m", "min"),
    outlier_group="player_id",
)

TEAM_GAME_STATS = TableSchema(
    table="team_game_stats",
    columns=(
        Column("season", "str"),
        Column("season_type", "str"),
        Column("game_id", "str"),
        Column("game_date", "date"),
        Column("team_id", "int", minimum=1),
        Column("team", "str"),
        Column("opp", "str"),
        Column("is_home", "bool"),
        Column("wl", "str", required=False),
        Column("min", "float", minimum=0, maximum=400),
        *_count_columns(maximum=400),
        Column("plus_minus", "float", required=False),
        *_count_columns("opp_", maximum=400),
        Column("poss_est", "float", required=False),
        Column("opp_poss_est", "float", required=False),
        Column("pace_est", "float", required=False),
        Column("off_rtg_est", "float", required=False),
        Column("def_rtg_est", "float", required=False),
        Column("source", "str", required=False),
    ),
    key=("game_id", "team_id"),
    checks=(
        RowCheck("inconsistent points: pts != 2*fgm + fg3m + ftm", _points_inconsistent),
        RowCheck("unknown team code", lambda f: _unknown_team(f, "team") | _unknown_team(f, "opp")),
    ),
    outlier_columns=("pts", "pace_est"),
    outlier_group="team",
)

GAME_ODDS = TableSchema(
    table="game_odds",
    columns=(
        Column("season", "str"),
        Column("season_type", "str"),
        Column("game_date", "date"),
        Column("game_id", "str", required=False),
        Column("away", "str"),
        Column("home", "str"),
        Column("score_away", "int", required=False, minimum=0),
        Column("score_home", "int", required=False, minimum=0),
        Column("home_spread", "float", required=False),
        Column("total", "float", required=False, minimum=100, maximum=350),
        Column("moneyline_away", "float", required=False),
        Column("moneyline_home", "float", required=False),
    ),
    key=("game_date", "home", "away"),
    checks=(
        RowCheck(
            "unknown team code", lambda f: _unknown_team(f, "home") | _unknown_team(f, "away")
        ),
    ),
)


def _bad_american(series: pd.Series) -> pd.Series:
    return series.notna() & (series.abs() < 100)


PROP_LINES = TableSchema(
    table="prop_lines",
    columns=(
        Column("season", "str"),
        Column("game_date", "date"),
        Column("commence_time", "datetime", required=False),
        Column("captured_at", "datetime"),
        Column("captured_at_estimated", "bool"),
        Column("event_id", "str", required=False),
        Column("away_team", "str"),
        Column("home_team", "str"),
        Column("player_name", "str"),
        Column("player_id", "int", required=False, minimum=1),
        Column("market", "str"),
        Column("bookmaker", "str"),
        Column("line", "float", minimum=0, maximum=150),
        Column("over_price", "int", required=False),
        Column("under_price", "int", required=False),
        Column("is_main_line", "bool"),
        Column("n_book_lines", "int", required=False, minimum=1),
        Column("actual", "float", required=False, minimum=0),
        Column("result", "str", required=False),
        Column("source", "str"),
    ),
    key=("game_date", "player_name", "market", "bookmaker", "line", "captured_at"),
    checks=(
        RowCheck(
            "price is not valid American odds (|odds| < 100)",
            lambda f: _bad_american(f["over_price"]) | _bad_american(f["under_price"]),
        ),
        RowCheck(
            "no price on either side", lambda f: f["over_price"].isna() & f["under_price"].isna()
        ),
        RowCheck(
            "unknown market",
            lambda f: (
                ~f["market"].isin(
                    [
                        "points",
                        "rebounds",
                        "assists",
                        "threes",
                        "pra",
                        "blocks",
                        "steals",
                        "turnovers",
                        "pr",
                        "pa",
                        "ra",
                    ]
                )
            ),
        ),
        RowCheck(
            "unknown team code",
            lambda f: _unknown_team(f, "home_team") | _unknown_team(f, "away_team"),
        ),
    ),
)

INJURIES = TableSchema(
    table="injuries",
    columns=(
        Column("player_id", "int", minimum=1),
        Column("report_date", "date"),
        Column("status", "str"),
        Column("note", "str", required=False),
        Column("source", "str"),
    ),
    key=("player_id", "report_date", "source"),
    checks=(
        RowCheck(
            "unknown injury status",
            lambda f: (
                ~f["status"]
                .str.lower()
                .isin(["out", "doubtful", "questionable", "probable", "available", "day-to-day"])
            ),
        ),
    ),
)
