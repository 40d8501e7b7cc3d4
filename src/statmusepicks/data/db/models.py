"""SQLAlchemy 2 tables. Natural keys are primary or unique keys so that loads can upsert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base shared by all tables."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Team(Base):
    __tablename__ = "teams"

    team_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    abbreviation: Mapped[str] = mapped_column(String(3), unique=True)


class Player(Base):
    __tablename__ = "players"

    player_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), index=True)
    team_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    team: Mapped[str | None] = mapped_column(String(3), nullable=True)
    last_game_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Game(Base):
    __tablename__ = "games"

    game_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    game_date: Mapped[dt.date] = mapped_column(Date, index=True)
    season: Mapped[str] = mapped_column(String(7))
    season_type: Mapped[str] = mapped_column(String(20))
    home_team: Mapped[str] = mapped_column(String(3))
    away_team: Mapped[str] = mapped_column(String(3))
    home_pts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    away_pts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # From the league schedule: scheduled, in_progress, final or postponed (null: a game known
    # only from box scores, final when it has points); tip-off in UTC.
    status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    tipoff_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PlayerGameStats(Base):
    __tablename__ = "player_game_stats"

    player_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    game_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    game_date: Mapped[dt.date] = mapped_column(Date)
    season: Mapped[str] = mapped_column(String(7))
    season_type: Mapped[str] = mapped_column(String(20))
    player_name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int] = mapped_column(BigInteger)
    team: Mapped[str] = mapped_column(String(3))
    opp: Mapped[str] = mapped_column(String(3))
    is_home: Mapped[bool] = mapped_column(Boolean)
    matchup: Mapped[str | None] = mapped_column(String(20), nullable=True)
    wl: Mapped[str | None] = mapped_column(String(1), nullable=True)
    min: Mapped[float] = mapped_column(Float)
    pts: Mapped[int] = mapped_column(Integer)
    reb: Mapped[int] = mapped_column(Integer)
    oreb: Mapped[int] = mapped_column(Integer)
    dreb: Mapped[int] = mapped_column(Integer)
    ast: Mapped[int] = mapped_column(Integer)
    stl: Mapped[int] = mapped_column(Integer)
    blk: Mapped[int] = mapped_column(Integer)
    tov: Mapped[int] = mapped_column(Integer)
    pf: Mapped[int] = mapped_column(Integer)
    fgm: Mapped[int] = mapped_column(Integer)
    fga: Mapped[int] = mapped_column(Integer)
    fg3m: Mapped[int] = mapped_column(Integer)
    fg3a: Mapped[int] = mapped_column(Integer)
    ftm: Mapped[int] = mapped_column(Integer)
    fta: Mapped[int] = mapped_column(Integer)
    plus_minus: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outlier_flags: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_player_game_stats_player_date", "player_id", "game_date"),
        Index("ix_player_game_stats_game_team", "game_id", "team"),
        Index("ix_player_game_stats_date", "game_date"),
        Index("ix_player_game_stats_team_season_date", "team", "season", "game_date"),
    )


class TeamGameStats(Base):
    __tablename__ = "team_game_stats"

    game_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    team_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    game_date: Mapped[dt.date] = mapped_column(Date)
    season: Mapped[str] = mapped_column(String(7))
    season_type: Mapped[str] = mapped_column(String(20))
    team: Mapped[str] = mapped_column(String(3))
    opp: Mapped[str] = mapped_column(String(3))
    is_home: Mapped[bool] = mapped_column(Boolean)
    wl: Mapped[str | None] = mapped_column(String(1), nullable=True)
    min: Mapped[float] = mapped_column(Float)
    pts: Mapped[int] = mapped_column(Integer)
    fgm: Mapped[int] = mapped_column(Integer)
    fga: Mapped[int] = mapped_column(Integer)
    fg3m: Mapped[int] = mapped_column(Integer)
    fg3a: Mapped[int] = mapped_column(Integer)
    ftm: Mapped[int] = mapped_column(Integer)
    fta: Mapped[int] = mapped_column(Integer)
    oreb: Mapped[int] = mapped_column(Integer)
    dreb: Mapped[int] = mapped_column(Integer)
    reb: Mapped[int] = mapped_column(Integer)
    ast: Mapped[int] = mapped_column(Integer)
    stl: Mapped[int] = mapped_column(Integer)
    blk: Mapped[int] = mapped_column(Integer)
    tov: Mapped[int] = mapped_column(Integer)
    pf: Mapped[int] = mapped_column(Integer)
    plus_minus: Mapped[float | None] = mapped_column(Float, nullable=True)
    opp_pts: Mapped[int] = mapped_column(Integer)
    opp_fgm: Mapped[int] = mapped_column(Integer)
    opp_fga: Mapped[int] = mapped_column(Integer)
    opp_fg3m: Mapped[int] = mapped_column(Integer)
    opp_fg3a: Mapped[int] = mapped_column(Integer)
    opp_ftm: Mapped[int] = mapped_column(Integer)
    opp_fta: Mapped[int] = mapped_column(Integer)
    opp_oreb: Mapped[int] = mapped_column(Integer)
    opp_dreb: Mapped[int] = mapped_column(Integer)
    opp_reb: Mapped[int] = mapped_column(Integer)
    opp_ast: Mapped[int] = mapped_column(Integer)
    opp_stl: Mapped[int] = mapped_column(Integer)
    opp_blk: Mapped[int] = mapped_column(Integer)
    opp_tov: Mapped[int] = mapped_column(Integer)
    opp_pf: Mapped[int] = mapped_column(Integer)
    poss_est: Mapped[float | None] = mapped_column(Float, nullable=True)
    opp_poss_est: Mapped[float | None] = mapped_column(Float, nullable=True)
    pace_est: Mapped[float | None] = mapped_column(Float, nullable=True)
    off_rtg_est: Mapped[float | None] = mapped_column(Float, nullable=True)
    def_rtg_est: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outlier_flags: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_team_game_stats_team_date", "team", "game_date"),
        Index("ix_team_game_stats_date", "game_date"),
    )


class GameOdds(Base):
    __tablename__ = "game_odds"

    game_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    home: Mapped[str] = mapped_column(String(3), primary_key=True)
    away: Mapped[str] = mapped_column(String(3), primary_key=True)
    season: Mapped[str] = mapped_column(String(7))
    season_type: Mapped[str] = mapped_column(String(20))
    game_id: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    score_away: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_home: Mapped[int | None] = mapped_column(Integer, nullable=True)
    home_spread: Mapped[float | None] = mapped_column(Float, nullable=True)
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    moneyline_away: Mapped[float | None] = mapped_column(Float, nullable=True)
    moneyline_home: Mapped[float | None] = mapped_column(Float, nullable=True)


class PropLine(Base):
    """One price snapshot of one rung of one book's ladder. Snapshots are never overwritten."""

    __tablename__ = "prop_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    season: Mapped[str] = mapped_column(String(7))
    game_date: Mapped[dt.date] = mapped_column(Date)
    commence_time: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    captured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    captured_at_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    away_team: Mapped[str] = mapped_column(String(3))
    home_team: Mapped[str] = mapped_column(String(3))
    player_name: Mapped[str] = mapped_column(String(100))
    player_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    market: Mapped[str] = mapped_column(String(20))
    bookmaker: Mapped[str] = mapped_column(String(40))
    line: Mapped[float] = mapped_column(Float)
    over_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    under_price: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_main_line: Mapped[bool] = mapped_column(Boolean, default=True)
    n_book_lines: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actual: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[str | None] = mapped_column(String(5), nullable=True)
    source: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint(
            "game_date",
            "player_name",
            "market",
            "bookmaker",
            "line",
            "captured_at",
            name="uq_prop_lines_snapshot",
        ),
        Index("ix_prop_lines_date_market", "game_date", "market"),
        Index("ix_prop_lines_player_date", "player_id", "game_date"),
    )


class Injury(Base):
    __tablename__ = "injuries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    player_id: Mapped[int] = mapped_column(BigInteger)
    report_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(40))
    # The time of the report the row comes from (several reports a day; the latest counts).
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("player_id", "reported_at", "source", name="uq_injuries_player_report"),
        Index("ix_injuries_date", "report_date"),
        Index("ix_injuries_reported_at", "reported_at"),
    )


class PredictionGrade(Base):
    """The grade of a served prediction, appended once its game is settled (never edited).

    One per prediction; like the prediction it is an entry of the record's hash chain
    (`chain_seq`, `content_hash`, `prev_hash`: see `core/hash_chain.py`).
    """

    __tablename__ = "prediction_grades"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    prediction_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("predictions.id", ondelete="RESTRICT")
    )
    graded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actual: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[str] = mapped_column(String(5))
    profit: Mapped[float | None] = mapped_column(Float, nullable=True)
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("prediction_id", name="uq_prediction_grades_prediction"),
        UniqueConstraint("chain_seq", name="uq_prediction_grades_chain_seq"),
        Index("ix_prediction_grades_graded", "graded_at"),
    )


def _grade_column(column: Any, prediction_id: Any) -> Any:
    """A prediction's grade field read from its appended grade row (None until graded)."""
    return column_property(
        select(column)
        .where(PredictionGrade.prediction_id == prediction_id)
        .correlate_except(PredictionGrade)
        .scalar_subquery()
        .label(column.key)
    )


class Prediction(Base):
    """Append-only, hash-chained log of served predictions.

    A row is never updated: its grade is a `PredictionGrade` row appended later, read back
    through the `graded_at`, `actual`, `result` and `profit` attributes (correlated subqueries,
    so every reader filters and selects them as before).
    """

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    player_id: Mapped[int] = mapped_column(BigInteger)
    player_name: Mapped[str] = mapped_column(String(100))
    stat: Mapped[str] = mapped_column(String(20))
    line: Mapped[float] = mapped_column(Float)
    game_date: Mapped[dt.date] = mapped_column(Date)
    odds_over: Mapped[int] = mapped_column(Integer)
    odds_under: Mapped[int] = mapped_column(Integer)
    predicted_value: Mapped[float] = mapped_column(Float)
    over_probability: Mapped[float] = mapped_column(Float)
    under_probability: Mapped[float] = mapped_column(Float)
    push_probability: Mapped[float] = mapped_column(Float)
    recommendation: Mapped[str] = mapped_column(String(5))
    expected_value: Mapped[float] = mapped_column(Float)
    kelly_fraction: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(100))
    model_scope: Mapped[str] = mapped_column(String(40))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    api_key_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The A/B arm that served this row ('champion' outside experiments) and its experiment.
    arm: Mapped[str | None] = mapped_column(String(20), nullable=True)
    experiment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The row's entry in the record's hash chain (null only for rows written around the chain).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    graded_at: Mapped[dt.datetime | None] = _grade_column(PredictionGrade.graded_at, id)
    actual: Mapped[float | None] = _grade_column(PredictionGrade.actual, id)
    result: Mapped[str | None] = _grade_column(PredictionGrade.result, id)
    profit: Mapped[float | None] = _grade_column(PredictionGrade.profit, id)

    __table_args__ = (
        Index("ix_predictions_player_date", "player_id", "game_date"),
        Index("ix_predictions_experiment", "experiment_id"),
        UniqueConstraint("chain_seq", name="uq_predictions_chain_seq"),
    )


class ModelRecord(Base):
    """Mirror of the MLflow registry so that the API can list models without MLflow."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    stat: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(40))
    alias: Mapped[str | None] = mapped_column(String(20), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    artifact_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (UniqueConstraint("name", "version", name="uq_models_name_version"),)


class IngestionRun(Base):
    __tablename__ = "ingestion_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    rows_in: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rows_flagged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    payload_refs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class QuarantinedRow(Base):
    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ingestion_runs.id", ondelete="SET NULL"), nullable=True
    )
    table_name: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    row_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("table_name", "row_key", "reason", name="uq_quarantine_row_reason"),
    )


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Backtest(Base):
    __tablename__ = "backtests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    output_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class FeatureSet(Base):
    """A materialized feature snapshot on disk, registered by its content hash."""

    __tablename__ = "feature_sets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    data_hash: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer)
    min_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    max_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
