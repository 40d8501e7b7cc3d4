"""Backtest outputs a bettor can read: CSVs, JSON, PNG charts and one self-contained HTML page.

Every file says whether the lines were real sportsbook prices; a run on anything else is
labelled SYNTHETIC in the file names' contents, chart titles and the HTML banner.
"""

from __future__ import annotations

import base64
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, PackageLoader, is_undefined
from matplotlib.figure import Figure

from statmusepicks.evaluation.backtest_types import BacktestResult
from statmusepicks.evaluation.reports import reliability_diagram
from statmusepicks.evaluation.strategies import BASELINE_STRATEGIES

BET_EXPORT_COLUMNS = [
    "strategy",
    "game_date",
    "player_id",
    "player_name",
    "market",
    "line",
    "side",
    "price",
    "book",
    "n_books",
    "p_win",
    "p_lose",
    "market_p_side",
    "edge",
    "stake",
    "actual",
    "result",
    "profit",
    "clv",
]
SUMMARY_COLUMNS = [
    "bets",
    "wins",
    "losses",
    "pushes",
    "voided",
    "win_rate",
    "staked_units",
    "profit_units",
    "roi",
    "roi_ci95_low",
    "roi_ci95_high",
    "mean_claimed_edge",
    "clv_mean",
    "clv_bets",
    "bets_for_significance",
    "final_bankroll",
    "max_drawdown",
    "max_drawdown_units",
    "sharpe_daily",
]
CHART_CAPTIONS = {
    "bankroll": "Bankroll per strategy (flat strategies stake 1 unit of 100)",
    "reliability": "Reliability: model vs de-vigged market on the same settled props",
    "roi_by_edge": "ROI by the edge the model claimed",
    "brier_by_stat": "Brier by stat, model vs market",
}
REPORT_TEMPLATE = "backtest_report.html"


def label(result: BacktestResult) -> str:
    """`real lines` or `SYNTHETIC lines`, for every title and file."""
    return "SYNTHETIC lines" if result.config.synthetic else "real sportsbook lines"


def summary_rows(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per strategy and per strategy x stat and strategy x book."""
    rows = []
    for strategy, stats in summary["strategies"].items():
        groups = [("all", "all", stats)]
        groups += [("stat", key, value) for key, value in stats["by_stat"].items()]
        groups += [("book", key, value) for key, value in stats["by_book"].items()]
        for kind, key, values in groups:
            interval = values.get("roi_ci95") or [None, None]
            row = {"strategy": strategy, "group": kind, "key": key}
            row.update({column: values.get(column) for column in SUMMARY_COLUMNS})
            row["roi_ci95_low"], row["roi_ci95_high"] = interval
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["strategy", "group", "key", *SUMMARY_COLUMNS])
    frame.insert(0, "synthetic", summary["synthetic"])
    frame.insert(1, "pricer", summary["pricer"])
    return frame


def probability_rows(summary: dict[str, Any]) -> pd.DataFrame:
    """Brier, log loss and ECE of each forecaster, overall and per stat, on the same props."""
    quality = summary["probability"]
    rows = []
    sections = [("all", quality.get("overall")), *quality.get("by_stat", {}).items()]
    for stat, scores in sections:
        for forecaster, values in (scores or {}).items():
            rows.append({"stat": stat, "forecaster": forecaster, **values})
    frame = pd.DataFrame(rows, columns=["stat", "forecaster", "n", "brier", "log_loss", "ece"])
    frame.insert(0, "synthetic", summary["synthetic"])
    return frame


def bankroll_chart(result: BacktestResult) -> Figure:
    """Bankroll (units, 100 at the start) after each day: the pricer's strategies on top, the
    baselines below (flat baselines lose hundreds of units and would flatten the others)."""
    figure, axes = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True)
    panels = {"pricer strategies": axes[0], "baselines": axes[1]}
    for strategy, curve in result.curves.groupby("strategy", sort=False):
        axis = panels["baselines" if strategy in BASELINE_STRATEGIES else "pricer strategies"]
        dates = [result.config.start, *curve["game_date"]]
        values = [result.config.starting_bankroll, *curve["bankroll"]]
        axis.plot(pd.to_datetime(dates), values, label=str(strategy), linewidth=1.6)
    for name, axis in panels.items():
        axis.axhline(result.config.starting_bankroll, color="grey", linewidth=0.8, linestyle="--")
        axis.set_ylabel("bankroll (units)")
        axis.set_title(name, fontsize=10)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8, ncol=3)
    figure.suptitle(f"Bankroll by strategy - {result.pricer_name}, {label(result)}")
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def write_reliability(result: BacktestResult, path: Path) -> Path:
    """Reliability of P(over): model vs de-vigged market (and the frontend), same settled props."""
    props = result.props
    settled = props[props["result"].isin(["over", "under"]) & props["p_over"].notna()]
    forecasts = {
        f"pricer: {result.pricer_name}": settled["p_over"]
        / (settled["p_over"] + settled["p_under"]),
        "market (de-vigged)": settled["market_p_over"],
    }
    if settled["frontend_p_over"].notna().all():
        forecasts["frontend sigmoid"] = settled["frontend_p_over"]
    return reliability_diagram(
        (settled["result"] == "over").astype(float),
        forecasts,
        path,
        title=f"Reliability, {len(settled):,} settled props - {label(result)}",
    )


def roi_by_edge_chart(result: BacktestResult) -> Figure:
    """Flat-stake ROI of the model's preferred side by bucket of the edge it claimed."""
    buckets = [row for row in result.summary["edge_buckets"] if row["bets"]]
    figure, axis = plt.subplots(figsize=(7, 4.2))
    names = [row["bucket"] for row in buckets]
    rois = [100 * row["roi"] for row in buckets]
    bars = axis.bar(names, rois, color=["#c0392b" if roi < 0 else "#27ae60" for roi in rois])
    for bar, row in zip(bars, buckets, strict=True):
        axis.annotate(
            f"n={row['bets']}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom" if bar.get_height() >= 0 else "top",
            fontsize=8,
        )
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_xlabel("claimed edge (model EV of the better side at the price taken)")
    axis.set_ylabel("ROI (%)")
    axis.set_title(f"ROI by claimed edge - {result.pricer_name}, {label(result)}")
    figure.tight_layout()
    return figure


def brier_by_stat_chart(result: BacktestResult) -> Figure:
    """Brier score per stat: model, de-vigged market (lower is better, 0.25 is a coin)."""
    by_stat = result.summary["probability"]["by_stat"]
    stats = sorted(by_stat)
    figure, axis = plt.subplots(figsize=(8, 4.2))
    width = 0.38
    positions = range(len(stats))
    for offset, forecaster in ((-width / 2, "model"), (width / 2, "market")):
        axis.bar(
            [p + offset for p in positions],
            [by_stat[stat][forecaster]["brier"] for stat in stats],
            width,
            label="market (de-vigged)"
            if forecaster == "market"
            else f"pricer: {result.pricer_name}",
        )
    axis.set_xticks(list(positions), stats)
    lows = [by_stat[s][f]["brier"] for s in stats for f in ("model", "market")]
    if lows:
        axis.set_ylim(min(lows) - 0.02, max(lows) + 0.01)
    axis.axhline(0.25, color="grey", linestyle="--", linewidth=0.8)
    axis.set_ylabel("Brier (lower is better)")
    axis.set_title(f"Brier by stat on the same props - {label(result)}")
    axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_charts(result: BacktestResult, output_dir: Path) -> dict[str, Path]:
    """The PNG charts of a run (charts without data are skipped)."""
    paths = {}
    if not result.curves.empty:
        paths["bankroll"] = _save(bankroll_chart(result), output_dir / "bankroll.png")
    if result.summary["probability"]["overall"] is not None:
        paths["reliability"] = write_reliability(result, output_dir / "reliability.png")
        paths["roi_by_edge"] = _save(roi_by_edge_chart(result), output_dir / "roi_by_edge.png")
        paths["brier_by_stat"] = _save(
            brier_by_stat_chart(result), output_dir / "brier_by_stat.png"
        )
    return paths


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _json_ready(value.item())
    return value


def json_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with NaN and infinities as null and numpy scalars as Python numbers."""
    ready: dict[str, Any] = _json_ready(summary)
    return ready


def write_report(
    result: BacktestResult, output_dir: Path, *, include_bets: bool = True
) -> dict[str, Path]:
    """Write bets.csv, summary.csv, probability.csv, summary.json, the PNGs and report.html."""
    output_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if include_bets:
        bets = result.bets.reindex(columns=BET_EXPORT_COLUMNS).assign(
            synthetic=result.config.synthetic
        )
        paths["bets"] = output_dir / "bets.csv"
        bets.to_csv(paths["bets"], index=False)
    paths["summary_csv"] = output_dir / "summary.csv"
    summary_rows(result.summary).to_csv(paths["summary_csv"], index=False)
    paths["probability_csv"] = output_dir / "probability.csv"
    probability_rows(result.summary).to_csv(paths["probability_csv"], index=False)
    paths["summary_json"] = output_dir / "summary.json"
    paths["summary_json"].write_text(json.dumps(json_summary(result.summary), indent=2))
    charts = write_charts(result, output_dir)
    paths.update(charts)
    paths["html"] = output_dir / "report.html"
    paths["html"].write_text(render_html(result, charts))
    return paths


def _pct(value: Any) -> str:
    return "-" if value is None or is_undefined(value) else f"{100 * value:+.2f} %"


def _num(value: Any, digits: int = 4) -> str:
    if value is None or is_undefined(value):
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _count(value: int) -> str:
    return f"{value:,}"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The report templates, shipped as package data; every value is HTML-escaped."""
    environment = Environment(
        loader=PackageLoader("statmusepicks.evaluation", "templates"),
        autoescape=True,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(pct=_pct, num=_num, count_of=_count, as_json=json.dumps)
    return environment


def _breakdown_rows(summary: dict[str, Any], group: str) -> list[dict[str, Any]]:
    """Bets and ROI of each pricer strategy (baselines left out) per stat or per book."""
    return [
        {"strategy": name, "key": key, **values}
        for name, stats in summary["strategies"].items()
        if name not in BASELINE_STRATEGIES
        for key, values in stats[f"by_{group}"].items()
    ]


def render_html(result: BacktestResult, charts: dict[str, Path]) -> str:
    """One HTML page with every table and chart embedded (no external files or scripts)."""
    summary = result.summary
    images = [
        {
            "caption": CHART_CAPTIONS[name],
            "data": base64.b64encode(path.read_bytes()).decode("ascii"),
        }
        for name, path in charts.items()
    ]
    return (
        _environment()
        .get_template(REPORT_TEMPLATE)
        .render(
            summary=summary,
            label=label(result),
            synthetic=result.config.synthetic,
            refit_days=result.config.refit_days,
            breakdowns={group: _breakdown_rows(summary, group) for group in ("stat", "book")},
            probability=probability_rows(summary).to_dict("records"),
            images=images,
        )
    )
