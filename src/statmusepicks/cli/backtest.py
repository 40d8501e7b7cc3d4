"""`statmusepicks backtest`: walk-forward backtest on stored lines, with a report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from statmusepicks.cli.common import console, open_container, parse_date, progress_bar
from statmusepicks.core.errors import StatMusePicksError
from statmusepicks.evaluation.replay_report import weekly_table
from statmusepicks.evaluation.replay_summary import graded_from_backtest, summarize_replay
from statmusepicks.evaluation.reports import markdown_table
from statmusepicks.services.backtests import (
    PRICERS,
    BacktestRequest,
    run_backtest,
    staking_from_settings,
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.2f} %"


def backtest(
    start: str = typer.Option(..., help="First game date, YYYY-MM-DD."),
    end: str = typer.Option(..., help="Last game date, YYYY-MM-DD."),
    strategy: str = typer.Option(
        "all", help="ev, confidence, kelly or all (the baselines always run alongside)."
    ),
    book: str = typer.Option(
        "best", help="'best' shops every book at the same line, or a book key."
    ),
    pricer: str = typer.Option("season_mean", help=f"Who prices the props: {', '.join(PRICERS)}."),
    refit_days: int = typer.Option(7, help="Refit the pricer every N days (on earlier data only)."),
    markets: str | None = typer.Option(
        None, help="Comma-separated markets (points,rebounds,...); all by default."
    ),
    source: str = typer.Option("auto", help="auto (database if it holds the lines), db, bundled."),
    output: Path | None = typer.Option(None, "--output", help="Report directory."),
    no_bets_csv: bool = typer.Option(
        False, "--no-bets-csv", help="Skip bets.csv (large for long runs)."
    ),
    weekly: str | None = typer.Option(
        None,
        "--weekly",
        help="Also print the replay's weekly table (served vs market Brier, ECE, bets, ROI "
        "with CI) with this strategy's bets as the recommendations (e.g. ev).",
    ),
) -> None:
    """Price every stored prop day by day, bet by strategy, settle, and write the report."""
    if strategy not in ("ev", "confidence", "kelly", "all"):
        raise typer.BadParameter("strategy must be ev, confidence, kelly or all")
    if (weekly is not None and weekly not in ("ev", "confidence", "kelly")) or (
        weekly is not None and strategy not in ("all", weekly)
    ):
        raise typer.BadParameter("--weekly names a strategy the run bets (ev, confidence, kelly)")
    if source not in ("auto", "db", "bundled"):
        raise typer.BadParameter("source must be auto, db or bundled")
    with open_container() as container:
        request = BacktestRequest(
            start=parse_date(start),
            end=parse_date(end),
            pricer=pricer,
            strategy=strategy,
            book=book,
            refit_days=refit_days,
            markets=tuple(markets.split(",")) if markets else None,
            source=source,  # type: ignore[arg-type]
            output_dir=output,
            include_bets=not no_bets_csv,
            staking=staking_from_settings(container),
        )
        try:
            with progress_bar() as progress:
                task = progress.add_task("backtest", total=None)

                def advance(day: dt.date, done: int, total: int) -> None:
                    progress.update(task, description=f"priced {day}", completed=done, total=total)

                run = run_backtest(container, request, advance)
        except StatMusePicksError as exc:
            console.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(code=2) from exc
    summary = run.result.summary
    label = "SYNTHETIC lines" if summary["synthetic"] else "real sportsbook lines"
    console.print(
        f"backtest {run.id}: {summary['start']} .. {summary['end']}, pricer {summary['pricer']}, "
        f"book {summary['book']}, {label} ({run.line_source}); {summary['props']} props"
    )
    table = Table("strategy", "bets", "win rate", "ROI", "ROI 95 % CI", "units", "max DD")
    for name, stats in summary["strategies"].items():
        interval = stats["roi_ci95"]
        table.add_row(
            name,
            str(stats["bets"]),
            _pct(stats["win_rate"]),
            _pct(stats["roi"]),
            f"{_pct(interval[0])} .. {_pct(interval[1])}" if interval else "-",
            f"{stats['profit_units']:+.1f}",
            _pct(stats.get("max_drawdown")),
        )
    console.print(table)
    quality = Table("stat", "props", "Brier model", "Brier market", "ECE model", "ECE market")
    by_stat = summary["probability"]["by_stat"]
    overall = summary["probability"]["overall"]
    for stat, scores in [*by_stat.items(), *([("all", overall)] if overall else [])]:
        quality.add_row(
            stat,
            str(scores["model"]["n"]),
            f"{scores['model']['brier']:.4f}",
            f"{scores['market']['brier']:.4f}",
            f"{scores['model']['ece']:.4f}",
            f"{scores['market']['ece']:.4f}",
        )
    console.print(quality)
    console.print(f"report: {run.files['html']}")
    if weekly is not None:
        graded = graded_from_backtest(run.result.props, run.result.bets, weekly)
        scores = summarize_replay(graded)
        # Markdown, as `statmusepicks replay` prints it: the two tables go side by side.
        print(f"\nBacktest {summary['start']} .. {summary['end']} ({weekly} bets), per week\n")
        print(markdown_table(weekly_table(scores)))
