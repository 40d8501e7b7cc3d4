"""The weekly full retrain: every model refitted on the data before a moment, as a challenger.

The seasons follow the moment: the season it falls in prices the lines (calibration and the
market stack on its settled lines from the database), the season before validates, and the
five before that train, as `TrainConfig`'s defaults do for 2025-26. The new versions are
registered as challengers and never promoted here: a person (or an A/B test) decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from statmusepicks.core.seasons import previous_season, season_of, seasons_before
from statmusepicks.models.dataset import SeasonSplit
from statmusepicks.models.registry import CHALLENGER
from statmusepicks.models.train_config import TrainConfig
from statmusepicks.services.container import Container
from statmusepicks.services.jobs import JobReport
from statmusepicks.services.refit import local_day, settled_market_lines
from statmusepicks.services.training import train

JOB = "weekly_retrain"
# Training seasons before the validation season (2018-19 .. 2023-24 for 2025-26).
TRAIN_SEASONS = 6


def retrain_config(day: dt.date, base: TrainConfig | None = None) -> TrainConfig:
    """`base` (the full pipeline by default) with the seasons of a retrain on `day`."""
    season = season_of(day)
    valid = previous_season(season)
    train_last = previous_season(valid)
    split = SeasonSplit(
        train_first=seasons_before(train_last, TRAIN_SEASONS - 1),
        train_last=train_last,
        valid=valid,
        test="",
    )
    return replace(base or TrainConfig(), split=split, lines_season=season, progress=False)


def weekly_retrain(
    container: Container, as_of: dt.datetime, *, base: TrainConfig | None = None
) -> JobReport:
    """Retrain on the data before `as_of` and register every model as a challenger."""
    report = JobReport(job=JOB, as_of=as_of)
    config = retrain_config(local_day(container, as_of), base)
    config = replace(config, ray_address=container.settings.ray_address)
    lines = settled_market_lines(container, as_of)
    summary = train(
        container,
        config=config,
        as_of=as_of,
        lines=lines if not lines.empty else None,
        alias=CHALLENGER,
        progress=False,
    )
    report.rows = len(summary.versions)
    report.details = {
        "challengers": summary.versions,
        "seasons": {
            "train": [config.split.train_first, config.split.train_last],
            "valid": config.split.valid,
            "lines": config.lines_season,
        },
        "settled_lines": len(lines),
        "seconds": {k: round(v, 1) for k, v in summary.seconds.items()},
        "report": str(summary.report.get("report", "")),
    }
    report.errors = [f"training task failed: {key}" for key in summary.failures]
    return report
