"""A replayed season's report: markdown tables, the JSON summary and matplotlib charts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from statmusepicks.evaluation.backtest_report import json_summary
from statmusepicks.evaluation.replay_summary import score_table
from statmusepicks.evaluation.reports import reliability_diagram, write_tables

NOTES = (
    "Served = the board's P(over | no push); market = the de-vigged consensus of the books on "
    "the same lines when the board was served. Bets: every OVER/UNDER recommendation, one unit "
    "at the best price shown; ROI 95 % CI by bootstrap over days. CLV needs more than one "
    "snapshot of a prop (the latest before tip-off is the close); empty when every prop had one."
)


def weekly_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The per-week rows and an `all` row."""
    return score_table({**summary["by_week"], "all": summary["overall"]}, "week")


def stat_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The per-stat rows and an `all` row."""
    return score_table({**summary["by_stat"], "all": summary["overall"]}, "stat")


def week_stat_table(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per week and stat."""
    table = score_table(summary["by_week_stat"], "week_stat")
    if table.empty:
        return table
    split = table["week_stat"].str.split("|", expand=True)
    return table.drop(columns="week_stat").assign(week=split[0], stat=split[1])[
        ["week", "stat", *[c for c in table.columns if c != "week_stat"]]
    ]


def weekly_chart(table: pd.DataFrame, path: Path) -> Path:
    """Brier of served vs market per week (top) and ROI with its 95 % interval (bottom)."""
    weeks = table[table["week"] != "all"]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    x = np.arange(len(weeks))
    top.plot(x, weeks["brier_served"], marker="o", label="served")
    top.plot(x, weeks["brier_market"], marker="s", label="market (de-vigged)")
    top.set_ylabel("Brier (lower is better)")
    top.legend(fontsize=8)
    roi = weeks["roi"].astype(float)
    low = (roi - weeks["roi_ci95_low"].astype(float)).clip(lower=0)
    high = (weeks["roi_ci95_high"].astype(float) - roi).clip(lower=0)
    bottom.errorbar(x, roi, yerr=[low.fillna(0), high.fillna(0)], fmt="o", capsize=4)
    bottom.axhline(0.0, color="grey", linewidth=0.8)
    bottom.set_ylabel("ROI per unit (95 % CI)")
    bottom.set_xticks(x, weeks["week"], rotation=30, fontsize=8)
    figure.suptitle("Replayed season, week by week")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_replay_report(
    summary: dict[str, Any], graded: pd.DataFrame, output_dir: Path
) -> dict[str, Path]:
    """report.md (+ one CSV per table), summary.json, weekly.png and reliability.png."""
    first, last = summary["first_day"], summary["last_day"]
    paths = write_tables(
        {
            "weekly": weekly_table(summary),
            "by_stat": stat_table(summary),
            "by_week_and_stat": week_stat_table(summary),
        },
        output_dir,
        title=f"Replayed season {first} .. {last}",
        notes=NOTES,
    )
    paths["summary"] = output_dir / "summary.json"
    paths["summary"].write_text(json.dumps(json_summary(summary), indent=2) + "\n")
    paths["weekly_chart"] = weekly_chart(weekly_table(summary), output_dir / "weekly.png")
    settled = graded[graded["result"].isin(["over", "under"])]
    if len(settled):
        served = settled["over_probability"] / (
            settled["over_probability"] + settled["under_probability"]
        )
        paths["reliability"] = reliability_diagram(
            settled["result"].eq("over").astype(float),
            {"served": served, "market": settled["market_over_probability"]},
            output_dir / "reliability.png",
            title="Reliability of the served P(over)",
        )
    return paths
