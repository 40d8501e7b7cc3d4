"""`statmusepicks minutes`: the minutes model's out-of-time MAE, and optionally whether the
minutes projection and the impact ratings (PER, WS/48, BPM) help the stat models."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import typer
from rich.table import Table

from statmusepicks.cli.common import console, open_container
from statmusepicks.data.ingest.bundled import read_player_logs, read_team_logs
from statmusepicks.services.evaluation import LINE_CUTOFF
from statmusepicks.services.feature_trials import candidate_blocks, feature_trial
from statmusepicks.services.minutes_report import (
    freeze_weights,
    frozen_weights_match,
    minutes_report,
)
from statmusepicks.services.role_trials import role_block, role_trial
from statmusepicks.services.training import feature_frame, line_history


def _print(frame: pd.DataFrame, title: str) -> None:
    table = Table(*map(str, frame.columns), title=title)
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


def minutes(
    trial: bool = typer.Option(
        False, "--trial", help="Also train the stat models with and without the new features."
    ),
    fit: bool = typer.Option(
        False, "--fit", help="Write the walk-forward weights as the frozen table the features read."
    ),
    roles: bool = typer.Option(
        False, "--roles", help="Also score role clusters (one-hot and per-role models)."
    ),
) -> None:
    """Minutes model MAE vs the last-10 and season averages; `--fit` freezes the weights,
    `--trial` scores new features, `--roles` the role clusters."""
    with open_container() as container:
        data_dir = container.settings.bundled_data_dir
        player_logs, team_logs = read_player_logs(data_dir), read_team_logs(data_dir)
        report = minutes_report(player_logs, team_logs)
        _print(report.table, "Minutes MAE out of time (fitted on earlier seasons only)")
        if fit:
            console.print(f"wrote the walk-forward weights to {freeze_weights(report)}")
        elif frozen_weights_match(report):
            console.print("the frozen weights equal this fit")
        else:
            console.print("the frozen weights differ from this fit: `statmusepicks minutes --fit`")
        if trial:
            frame, _ = feature_frame(container)
            blocks = candidate_blocks(player_logs, team_logs)
            cutoff: dt.date = LINE_CUTOFF
            results = feature_trial(
                frame, blocks, line_history(container.settings), line_cutoff=cutoff
            )
            _print(
                results.drop(columns=["selected"]), f"Stat models on 2025-26 (lines from {cutoff})"
            )
        if roles:
            frame, _ = feature_frame(container)
            block = role_block(player_logs, team_logs)
            scored = role_trial(
                frame, block, line_history(container.settings), line_cutoff=LINE_CUTOFF
            )
            _print(scored, f"Role clusters vs the global model (lines from {LINE_CUTOFF})")
