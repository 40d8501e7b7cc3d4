"""Incoming-row schemas (pandera) for every table the loaders write (bundled files and syncs)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from statmusepicks.core.box_score import BOX_SCORE_COLUMNS
from statmusepicks.core.stats import LINE_MARKETS
from statmusepicks.data.ingest.validate import field_rule, row_rule, table_schema

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


INJURY_STATUSES = ("out", "doubtful", "questionable", "probable", "available", "day-to-day")


def _count_columns(prefix: str = "", maximum: float = 200) -> list[tuple[str, pa.Column]]:
    return [
        field_rule(f"{prefix}{name}", "int", minimum=0, maximum=maximum)
        for name in BOX_SCORE_COLUMNS
    ]


def _game_columns(*, game_id_required: bool = True) -> list[tuple[str, pa.Column]]:
    """The columns that place a row in a season and on a game."""
    return [
        field_rule("season", "str"),
        field_rule("season_type", "str"),
        field_rule("game_id", "str", required=game_id_required),
        field_rule("game_date", "date"),
    ]


def _team_side_columns() -> list[tuple[str, pa.Column]]:
    """The columns of a box-score row's side of a game: its team, the opponent, home or away."""
    return [
        field_rule("team_id", "int", minimum=1),
        field_rule("team", "str"),
        field_rule("opp", "str"),
        field_rule("is_home", "bool"),
    ]


def _points_inconsistent(frame: pd.DataFrame) -> pd.Series:
    return frame["pts"] != 2 * frame["fgm"] + frame["fg3m"] + frame["ftm"]


def _makes_exceed_attempts(frame: pd.DataFrame) -> pd.Series:
    return (
        (frame["fgm"] > frame["fga"])
        | (frame["fg3m"] > frame["fg3a"])
        | (frame["ftm"] > frame["fta"])
        | (frame["fg3m"] > frame["fgm"])
    )


def _unknown_team(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].notna() & ~frame[column].isin(TEAM_CODES)


def _unknown_teams(*columns: str) -> pa.Check:
    return row_rule(
        "unknown team code",
        columns,
        lambda f: pd.concat([_unknown_team(f, column) for column in columns], axis=1).any(axis=1),
    )


def _bad_american(series: pd.Series) -> pd.Series:
    return series.notna() & (series.abs() < 100)


POINTS_CONSISTENT = row_rule(
    "inconsistent points: pts != 2*fgm + fg3m + ftm",
    ("pts", "fgm", "fg3m", "ftm"),
    _points_inconsistent,
)

PLAYER_GAME_STATS = table_schema(
    "player_game_stats",
    [
        *_game_columns(),
        field_rule("player_id", "int", minimum=1),
        field_rule("player_name", "str"),
        *_team_side_columns(),
        field_rule("matchup", "str", required=False),
        field_rule("wl", "str", required=False),
        field_rule("min", "float", minimum=0, maximum=70),
        *_count_columns(maximum=120),
        field_rule("plus_minus", "float", required=False),
        field_rule("source", "str", required=False),
    ],
    key=("player_id", "game_id"),
    checks=(
        POINTS_CONSISTENT,
        row_rule(
            "inconsistent rebounds: reb != oreb + dreb",
            ("reb", "oreb", "dreb"),
            lambda f: f["reb"] != f["oreb"] + f["dreb"],
        ),
        row_rule(
            "more makes than attempts",
            ("fgm", "fga", "fg3m", "fg3a", "ftm", "fta"),
            _makes_exceed_attempts,
        ),
        _unknown_teams("team", "opp"),
    ),
    outlier_columns=("pts", "reb", "ast", "fg3m", "min"),
    outlier_group="player_id",
)

TEAM_GAME_STATS = table_schema(
    "team_game_stats",
    [
        *_game_columns(),
        *_team_side_columns(),
        field_rule("wl", "str", required=False),
        field_rule("min", "float", minimum=0, maximum=400),
        *_count_columns(maximum=400),
        field_rule("plus_minus", "float", required=False),
        *_count_columns("opp_", maximum=400),
        field_rule("poss_est", "float", required=False),
        field_rule("opp_poss_est", "float", required=False),
        field_rule("pace_est", "float", required=False),
        field_rule("off_rtg_est", "float", required=False),
        field_rule("def_rtg_est", "float", required=False),
        field_rule("source", "str", required=False),
    ],
    key=("game_id", "team_id"),
    checks=(POINTS_CONSISTENT, _unknown_teams("team", "opp")),
    outlier_columns=("pts", "pace_est"),
    outlier_group="team",
)

GAME_ODDS = table_schema(
    "game_odds",
    [
        *_game_columns(game_id_required=False),
        field_rule("away", "str"),
        field_rule("home", "str"),
        field_rule("score_away", "int", required=False, minimum=0),
        field_rule("score_home", "int", required=False, minimum=0),
        field_rule("home_spread", "float", required=False),
        field_rule("total", "float", required=False, minimum=100, maximum=350),
        field_rule("moneyline_away", "float", required=False),
        field_rule("moneyline_home", "float", required=False),
    ],
    key=("game_date", "home", "away"),
    checks=(_unknown_teams("home", "away"),),
)

PROP_LINES = table_schema(
    "prop_lines",
    [
        field_rule("season", "str"),
        field_rule("game_date", "date"),
        field_rule("commence_time", "datetime", required=False),
        field_rule("captured_at", "datetime"),
        field_rule("captured_at_estimated", "bool"),
        field_rule("event_id", "str", required=False),
        field_rule("away_team", "str"),
        field_rule("home_team", "str"),
        field_rule("player_name", "str"),
        field_rule("player_id", "int", required=False, minimum=1),
        field_rule("market", "str"),
        field_rule("bookmaker", "str"),
        field_rule("line", "float", minimum=0, maximum=150),
        field_rule("over_price", "int", required=False),
        field_rule("under_price", "int", required=False),
        field_rule("is_main_line", "bool"),
        field_rule("n_book_lines", "int", required=False, minimum=1),
        field_rule("actual", "float", required=False, minimum=0),
        field_rule("result", "str", required=False),
        field_rule("source", "str"),
    ],
    key=("game_date", "player_name", "market", "bookmaker", "line", "captured_at"),
    checks=(
        row_rule(
            "price is not valid American odds (|odds| < 100)",
            ("over_price", "under_price"),
            lambda f: _bad_american(f["over_price"]) | _bad_american(f["under_price"]),
        ),
        row_rule(
            "no price on either side",
            ("over_price", "under_price"),
            lambda f: f["over_price"].isna() & f["under_price"].isna(),
        ),
        row_rule("unknown market", ("market",), lambda f: ~f["market"].isin(LINE_MARKETS)),
        _unknown_teams("home_team", "away_team"),
    ),
)

INJURIES = table_schema(
    "injuries",
    [
        field_rule("player_id", "int", minimum=1),
        field_rule("report_date", "date"),
        field_rule("reported_at", "datetime"),
        field_rule("status", "str"),
        field_rule("note", "str", required=False),
        field_rule("source", "str"),
    ],
    key=("player_id", "reported_at", "source"),
    checks=(
        row_rule(
            "unknown injury status",
            ("status",),
            lambda f: ~f["status"].str.lower().isin(INJURY_STATUSES),
        ),
    ),
)
