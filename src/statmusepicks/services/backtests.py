"""Use cases: run a walk-forward backtest, store its summary, list and fetch stored runs.

Lines and box scores come from the database when it holds lines for the range, else from the
bundled parquet files (so a fresh clone can backtest offline). The summary goes to the
`backtests` table; the full report (CSVs, PNGs, HTML) to an output directory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from statmusepicks.core.errors import NotFoundError, ServiceUnavailableError, ValidationError
from statmusepicks.core.logging import get_logger
from statmusepicks.data.db.models import Backtest, PlayerGameStats, PropLine
from statmusepicks.data.ingest.bundled import read_player_logs, read_prop_lines
from statmusepicks.evaluation.backtest import BacktestEngine
from statmusepicks.evaluation.backtest_report import json_summary, write_report
from statmusepicks.evaluation.backtest_types import BacktestConfig, BacktestResult, PricerFactory
from statmusepicks.evaluation.pricers import MarketPricer, SeasonMeanPricer
from statmusepicks.evaluation.strategies import StrategyParams, strategies_for
from statmusepicks.services.container import Container

log = get_logger(__name__)

# Sources of real sportsbook captures; lines from anything else are labelled synthetic.
REAL_LINE_SOURCES = ("odds_api_historical", "odds_api_daily_snapshot", "odds_api")
LineSource = Literal["auto", "db", "bundled"]
Progress = Callable[[dt.date, int, int], None]


# Pages of stored runs: ids are PostgreSQL `integer`s, and a million runs is more than a
# service ever stores, so larger offsets are refused before they reach the database.
MAX_PAGE = 500
MAX_OFFSET = 1_000_000
MAX_BACKTEST_ID = 2**31 - 1


# Builds a pricer factory for a run, given the markets it covers (None: all).
PricerBuilder = Callable[[Container, tuple[str, ...] | None], PricerFactory]


def _model_factory(kind: str) -> PricerBuilder:
    def build(container: Container, markets: tuple[str, ...] | None) -> PricerFactory:
        # Imported here: training pulls in xgboost and the feature code, which the reference
        # pricers do not need.
        from statmusepicks.services.backtest_pricers import model_pricer_factory

        return model_pricer_factory(
            container.settings, market_aware=kind == "market_aware", markets=markets
        )

    return build


PRICERS: dict[str, PricerBuilder] = {
    "market": lambda _container, _markets: MarketPricer(),
    "season_mean": lambda _container, _markets: SeasonMeanPricer(),
    "model": _model_factory("model"),
    "market_aware": _model_factory("market_aware"),
}


@dataclass(frozen=True)
class BacktestRequest:
    """Everything a caller chooses about a run."""

    start: dt.date
    end: dt.date
    pricer: str = "season_mean"
    strategy: str = "all"
    book: str = "best"
    refit_days: int = 7
    markets: tuple[str, ...] | None = None
    source: LineSource = "auto"
    output_dir: Path | None = None
    include_bets: bool = True
    staking: StrategyParams = field(default_factory=StrategyParams)


@dataclass(frozen=True)
class BacktestRun:
    """A finished, stored run."""

    id: int
    result: BacktestResult
    output_dir: Path
    files: dict[str, Path]
    line_source: str


def staking_from_settings(container: Container) -> StrategyParams:
    """Edge threshold and Kelly sizing as configured (EDGE_THRESHOLD, KELLY_*)."""
    settings = container.settings
    return StrategyParams(
        edge_threshold=settings.edge_threshold,
        kelly_fraction=settings.kelly_fraction,
        kelly_cap=settings.kelly_cap,
    )


def _db_has_lines(container: Container, start: dt.date, end: dt.date) -> bool:
    with container.sessions() as session:
        count = session.scalar(
            select(func.count())
            .select_from(PropLine)
            .where(PropLine.game_date >= start, PropLine.game_date <= end)
        )
    return bool(count)


def load_inputs(
    container: Container, start: dt.date, end: dt.date, source: LineSource = "auto"
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Prop lines in the range and every box score up to its end, with where they came from."""
    if source == "auto":
        source = "db" if _db_has_lines(container, start, end) else "bundled"
    if source == "db":
        lines_query = select(PropLine).where(PropLine.game_date >= start, PropLine.game_date <= end)
        logs_query = select(PlayerGameStats).where(PlayerGameStats.game_date <= end)
        with container.engine.connect() as connection:
            lines = pd.read_sql(lines_query, connection)
            logs = pd.read_sql(logs_query, connection)
        if lines.empty:
            raise NotFoundError(f"No prop lines in the database between {start} and {end}")
        return lines, logs, "db"
    data_dir = container.settings.bundled_data_dir
    if not (data_dir / "prop_lines.parquet").exists():
        raise NotFoundError(f"No bundled prop lines under {data_dir}")
    lines = read_prop_lines(data_dir)
    dates = pd.to_datetime(lines["game_date"]).dt.date
    lines = lines[(dates >= start) & (dates <= end)]
    logs = read_player_logs(data_dir)
    logs = logs[pd.to_datetime(logs["game_date"]).dt.date <= end]
    return lines, logs, "bundled"


def is_synthetic(lines: pd.DataFrame) -> bool:
    """True unless every line is a real sportsbook capture (The Odds API)."""
    if "source" not in lines.columns or lines.empty:
        return True
    return not bool(lines["source"].isin(REAL_LINE_SOURCES).all())


def default_output_dir(container: Container, request: BacktestRequest) -> Path:
    """var/backtests/<start>_<end>_<pricer>_<book>_<UTC timestamp>."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    name = f"{request.start}_{request.end}_{request.pricer}_{request.book}_{stamp}"
    return container.settings.var_dir / "backtests" / name


def run_backtest(
    container: Container, request: BacktestRequest, progress: Progress | None = None
) -> BacktestRun:
    """Run the walk-forward backtest, write its report and store its summary."""
    if request.pricer not in PRICERS:
        raise ValidationError(
            f"Unknown pricer {request.pricer!r}; use one of {', '.join(PRICERS)}",
            details={"accepted": list(PRICERS)},
        )
    lines, logs, line_source = load_inputs(container, request.start, request.end, request.source)
    if request.book != "best" and request.book not in set(lines["bookmaker"]):
        raise ValidationError(
            f"No lines from book {request.book!r} in this range",
            details={"books": sorted(set(lines["bookmaker"]))},
        )
    config = BacktestConfig(
        start=request.start,
        end=request.end,
        book=request.book,
        strategies=strategies_for(request.strategy),
        refit_days=request.refit_days,
        markets=request.markets,
        staking=request.staking,
        synthetic=is_synthetic(lines),
    )
    factory = PRICERS[request.pricer](container, request.markets)
    result = BacktestEngine(config).run(lines, logs, factory, progress=progress)
    result.summary["line_source"] = line_source
    output_dir = request.output_dir or default_output_dir(container, request)
    files = write_report(result, output_dir, include_bets=request.include_bets)
    summary = json_summary(result.summary)
    try:
        backtest_id = _store(container, request, config, summary, output_dir, line_source)
    except SQLAlchemyError as exc:
        raise ServiceUnavailableError(
            f"The report is in {output_dir} but the summary could not be stored: is the "
            "database migrated (`statmusepicks db upgrade`)?",
            details={"output_dir": str(output_dir)},
        ) from exc
    log.info("backtest stored", id=backtest_id, output_dir=str(output_dir))
    return BacktestRun(backtest_id, result, output_dir, files, line_source)


def _store(
    container: Container,
    request: BacktestRequest,
    config: BacktestConfig,
    summary: dict[str, Any],
    output_dir: Path,
    line_source: str,
) -> int:
    with container.sessions() as session, session.begin():
        row = Backtest(
            start_date=request.start,
            end_date=request.end,
            params={**summary["params"], "pricer": request.pricer, "line_source": line_source},
            summary=summary,
            output_dir=str(output_dir),
            synthetic=config.synthetic,
        )
        session.add(row)
        session.flush()
        return int(row.id)


class StrategyHeadline(BaseModel):
    """A strategy's bets and return over the run (None where it placed no bet)."""

    bets: int | None = None
    roi: float | None = None
    roi_ci95: list[float | None] | None = Field(None, description="95 % interval of the ROI.")
    profit_units: float | None = None


class StoredBacktest(BaseModel):
    """A stored run: dates, pricer, book, whether its lines were synthetic."""

    id: int
    created_at: dt.datetime | None
    start_date: dt.date
    end_date: dt.date
    synthetic: bool
    pricer: str | None
    book: str | None
    output_dir: str | None
    params: dict[str, Any]


class BacktestListItem(StoredBacktest):
    """A stored run with each strategy's headline figures."""

    strategies: dict[str, StrategyHeadline]


class BacktestDetail(StoredBacktest):
    """A stored run with its full summary (strategies, probability quality, edge buckets)."""

    summary: dict[str, Any] = Field(
        description="The run's summary.json: see docs/backtesting.md for its sections."
    )


class BacktestPage(BaseModel):
    """One page of stored runs, newest first."""

    backtests: list[BacktestListItem]
    limit: int
    offset: int


def _stored(row: Backtest) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": row.created_at,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "synthetic": row.synthetic,
        "pricer": row.summary.get("pricer"),
        "book": row.summary.get("book"),
        "output_dir": row.output_dir,
        "params": row.params,
    }


def list_backtests(container: Container, *, limit: int = 50, offset: int = 0) -> BacktestPage:
    """Stored runs, newest first, with each strategy's headline figures."""
    if not 1 <= limit <= MAX_PAGE or not 0 <= offset <= MAX_OFFSET:
        raise ValidationError(
            f"limit must be between 1 and {MAX_PAGE} and offset between 0 and {MAX_OFFSET}",
            details={"limit": limit, "offset": offset},
        )
    with container.sessions() as session:
        rows = session.scalars(
            select(Backtest).order_by(Backtest.id.desc()).limit(limit).offset(offset)
        ).all()
        runs = [
            BacktestListItem(
                **_stored(row),
                strategies={
                    name: StrategyHeadline.model_validate(stats)
                    for name, stats in row.summary.get("strategies", {}).items()
                },
            )
            for row in rows
        ]
    return BacktestPage(backtests=runs, limit=limit, offset=offset)


def get_backtest(container: Container, backtest_id: int) -> BacktestDetail:
    """One stored run with its full summary."""
    if not 1 <= backtest_id <= MAX_BACKTEST_ID:
        raise NotFoundError(f"No backtest with id {backtest_id}", details={"id": backtest_id})
    with container.sessions() as session:
        row = session.get(Backtest, backtest_id)
        if row is None:
            raise NotFoundError(f"No backtest with id {backtest_id}", details={"id": backtest_id})
        return BacktestDetail(**_stored(row), summary=row.summary)
