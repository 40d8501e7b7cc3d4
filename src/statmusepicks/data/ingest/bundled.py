"""Load the bundled real dataset (data/bundled/) into the database, validated and idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, Table

from statmusepicks.core.stats import normalize_name
from statmusepicks.data.db.models import (
    Game,
    GameOdds,
    Player,
    PlayerGameStats,
    PropLine,
    Team,
    TeamGameStats,
)
from statmusepicks.data.ingest import schemas
from statmusepicks.data.ingest.runs import (
    ROW_COUNTS,
    RowCounts,
    RunCounts,
    finish_run,
    quarantine,
    start_run,
)
from statmusepicks.data.ingest.upsert import upsert_frame
from statmusepicks.data.ingest.validate import TableSchema, ValidationResult, validate

EASTERN = ZoneInfo("America/New_York")
# The Odds API historical snapshots were taken 9-10 h before tip-off (data README); the daily
# snapshot files say 17:00 without a zone, read here as US/Eastern. Both are flagged estimated.
HISTORICAL_LEAD = pd.Timedelta(hours=10)
DAILY_SNAPSHOT_HOUR = 17

Progress = Callable[[str], None]


@dataclass(kw_only=True)
class TableReport(RowCounts):
    """What one table's load did, and why rows were quarantined."""

    table: str
    reasons: dict[str, int] = field(default_factory=dict)

    def merge(self, other: TableReport) -> None:
        """Add another load's rows and reasons to these."""
        self.add(other)
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count

    def summary(self) -> dict[str, Any]:
        """The counts and reasons, as `ingestion_runs.details` and job reports record them."""
        return {name: getattr(self, name) for name in ROW_COUNTS} | {"reasons": self.reasons}

    def count_into(self, counts: RunCounts) -> None:
        """Add this table's rows to a run's totals and record them as its breakdown row."""
        counts.add(self)
        counts.details[self.table] = self.summary()


@dataclass
class LoadReport:
    """What a whole load did, table by table."""

    run_id: int
    tables: list[TableReport] = field(default_factory=list)

    @property
    def quarantined(self) -> int:
        """Rows rejected across all tables."""
        return sum(table.quarantined for table in self.tables)


def read_player_logs(data_dir: Path) -> pd.DataFrame:
    """The bundled player game logs as stored."""
    return pd.read_parquet(data_dir / "player_game_logs.parquet")


def read_team_logs(data_dir: Path) -> pd.DataFrame:
    """The bundled team game logs as stored."""
    return pd.read_parquet(data_dir / "team_game_logs.parquet")


def read_prop_lines(data_dir: Path) -> pd.DataFrame:
    """The bundled prop lines with the capture time estimated (see module constants)."""
    return with_estimated_capture(pd.read_parquet(data_dir / "prop_lines.parquet"))


def read_game_odds(data_dir: Path) -> pd.DataFrame:
    """The bundled game odds, game ids kept as strings."""
    return pd.read_csv(data_dir / "game_odds.csv", dtype={"game_id": str})


def with_estimated_capture(lines: pd.DataFrame) -> pd.DataFrame:
    """Add `captured_at` (estimated from the source) when a file does not carry it."""
    if "captured_at" in lines.columns and lines["captured_at"].notna().all():
        return lines.assign(captured_at_estimated=lines.get("captured_at_estimated", False))
    commence = pd.to_datetime(lines["commence_time"], utc=True)
    dates = pd.to_datetime(lines["game_date"])
    daily = (
        (dates + pd.Timedelta(hours=DAILY_SNAPSHOT_HOUR))
        .dt.tz_localize(EASTERN)
        .dt.tz_convert("UTC")
    )
    historical = commence - HISTORICAL_LEAD
    captured = daily.where(lines["source"].ne("odds_api_historical"), historical)
    return lines.assign(captured_at=captured, captured_at_estimated=True)


def load_bundled(engine: Engine, data_dir: Path, progress: Progress | None = None) -> LoadReport:
    """Validate and upsert every bundled file; bad rows are quarantined, the rest load."""
    step = progress or (lambda _message: None)
    run_id = start_run(engine, "bundled")
    report = LoadReport(run_id=run_id)
    counts = RunCounts()
    try:
        step("player game logs")
        players = _load_table(
            engine,
            run_id,
            read_player_logs(data_dir),
            schemas.PLAYER_GAME_STATS,
            PlayerGameStats,
            report,
        )
        step("team game logs")
        teams = _load_table(
            engine, run_id, read_team_logs(data_dir), schemas.TEAM_GAME_STATS, TeamGameStats, report
        )
        step("teams, players and games")
        _load_derived(engine, derive_teams(players.clean, teams.clean), Team, ("team_id",), report)
        _load_derived(engine, derive_players(players.clean), Player, ("player_id",), report)
        _load_derived(engine, derive_games(players.clean, teams.clean), Game, ("game_id",), report)
        step("game odds")
        _load_table(engine, run_id, read_game_odds(data_dir), schemas.GAME_ODDS, GameOdds, report)
        step("prop lines")
        _load_table(engine, run_id, read_prop_lines(data_dir), schemas.PROP_LINES, PropLine, report)
    except Exception as exc:
        finish_run(engine, run_id, "failed", _totals(report, counts), errors=[repr(exc)])
        raise
    finish_run(engine, run_id, "succeeded", _totals(report, counts))
    return report


def load_validated(
    engine: Engine,
    run_id: int | None,
    frame: pd.DataFrame,
    schema: TableSchema,
    table: Table,
    *,
    flag: Callable[[ValidationResult], None] | None = None,
) -> tuple[ValidationResult, TableReport]:
    """Validate a frame, quarantine its bad rows and upsert the good ones (shared by syncs).

    `flag` may mark the clean rows further before they are written (the daily sync flags
    outliers against the stored history, which a day's rows alone cannot show).
    """
    result = validate(frame, schema)
    if flag is not None:
        flag(result)
    quarantine(engine, run_id, schema.table, result.quarantined)
    written = upsert_frame(engine, table, result.clean, schema.key)
    table_report = TableReport(
        table=schema.table,
        rows_in=len(frame),
        inserted=written.inserted,
        updated=written.updated,
        quarantined=len(result.quarantined),
        flagged=result.flagged,
        reasons=result.reasons,
    )
    return result, table_report


def derive_teams(player_rows: pd.DataFrame, team_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per NBA.com team id with its latest abbreviation."""
    both = pd.concat(
        [player_rows[["team_id", "team", "game_date"]], team_rows[["team_id", "team", "game_date"]]]
    )
    latest = both.sort_values("game_date").drop_duplicates("team_id", keep="last")
    latest = latest.drop_duplicates("team", keep="last")
    return latest.rename(columns={"team": "abbreviation"})[["team_id", "abbreviation"]]


def derive_players(player_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per player: latest name and team, loose-match key, last game date."""
    latest = player_rows.sort_values(["game_date", "game_id"]).drop_duplicates(
        "player_id", keep="last"
    )
    return pd.DataFrame(
        {
            "player_id": latest["player_id"],
            "name": latest["player_name"],
            "name_key": latest["player_name"].map(normalize_name),
            "team_id": latest["team_id"],
            "team": latest["team"],
            "last_game_date": latest["game_date"],
        }
    )


def derive_games(player_rows: pd.DataFrame, team_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per game, from team logs where present and player logs otherwise."""
    from_teams = team_rows.sort_values("is_home").drop_duplicates("game_id", keep="last")
    games = pd.DataFrame(
        {
            "game_id": from_teams["game_id"],
            "game_date": from_teams["game_date"],
            "season": from_teams["season"],
            "season_type": from_teams["season_type"],
            "home_team": from_teams["team"].where(from_teams["is_home"], from_teams["opp"]),
            "away_team": from_teams["opp"].where(from_teams["is_home"], from_teams["team"]),
            "home_pts": from_teams["pts"].where(from_teams["is_home"], from_teams["opp_pts"]),
            "away_pts": from_teams["opp_pts"].where(from_teams["is_home"], from_teams["pts"]),
        }
    )
    missing = player_rows[~player_rows["game_id"].isin(games["game_id"])]
    if not missing.empty:
        points = missing.groupby(["game_id", "team"])["pts"].sum()
        first = missing.sort_values("is_home").drop_duplicates("game_id", keep="last")
        home = first["team"].where(first["is_home"], first["opp"])
        away = first["opp"].where(first["is_home"], first["team"])
        extra = pd.DataFrame(
            {
                "game_id": first["game_id"],
                "game_date": first["game_date"],
                "season": first["season"],
                "season_type": first["season_type"],
                "home_team": home,
                "away_team": away,
                "home_pts": [
                    points.get((g, t)) for g, t in zip(first["game_id"], home, strict=True)
                ],
                "away_pts": [
                    points.get((g, t)) for g, t in zip(first["game_id"], away, strict=True)
                ],
            }
        )
        games = pd.concat([games, extra], ignore_index=True)
    return games.astype({"home_pts": "Int64", "away_pts": "Int64"})


def _load_table(
    engine: Engine,
    run_id: int,
    frame: pd.DataFrame,
    schema: TableSchema,
    model: type,
    report: LoadReport,
) -> ValidationResult:
    result, table_report = load_validated(engine, run_id, frame, schema, model.__table__)  # type: ignore[attr-defined]
    report.tables.append(table_report)
    return result


def _load_derived(
    engine: Engine, frame: pd.DataFrame, model: type, key: tuple[str, ...], report: LoadReport
) -> None:
    written = upsert_frame(engine, model.__table__, frame, key)  # type: ignore[attr-defined]
    report.tables.append(
        TableReport(
            table=model.__tablename__,  # type: ignore[attr-defined]
            rows_in=len(frame),
            inserted=written.inserted,
            updated=written.updated,
        )
    )


def _totals(report: LoadReport, counts: RunCounts) -> RunCounts:
    for table in report.tables:
        table.count_into(counts)
    return counts
