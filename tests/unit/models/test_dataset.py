"""Time-ordered splits and versioned dataset snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from statmusepicks.core.errors import DataError
from statmusepicks.models.dataset import (
    SeasonSplit,
    feature_columns,
    read_snapshot,
    target_column,
    write_snapshot,
)

SEASONS = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]


def _frame() -> pd.DataFrame:
    rows = []
    for i, season in enumerate(SEASONS):
        for game in range(4):
            rows.append(
                {
                    "player_id": 1,
                    "player_name": "A",
                    "game_id": f"00{i}{game}",
                    "game_date": pd.Timestamp(f"{2021 + i}-11-0{game + 1}"),
                    "season": season,
                    "team": "BOS",
                    "opp": "NYK",
                    "is_home": True,
                    "pts": float(10 + game),
                    "f_pts_season": float(game),
                }
            )
    return pd.DataFrame(rows)


def test_splits_follow_the_calendar_and_never_overlap() -> None:
    frame = _frame()
    split = SeasonSplit(train_first="2022-23")
    train, valid, test = split.train(frame), split.validation(frame), split.test_rows(frame)
    assert set(train["season"]) == {"2022-23"}
    assert set(valid["season"]) == {"2023-24"}
    assert set(test["season"]) == {"2024-25"}
    assert train["game_date"].max() < valid["game_date"].min() < test["game_date"].min()


def test_only_single_stats_have_a_target_column() -> None:
    assert target_column("threes") == "fg3m"
    with pytest.raises(ValueError, match="combo"):
        target_column("pra")


def test_snapshots_are_versioned_by_content(tmp_path: Path) -> None:
    frame = _frame()
    first = write_snapshot(frame, tmp_path, feature_code_version="abc")
    again = write_snapshot(frame, tmp_path, feature_code_version="abc")
    changed = frame.assign(pts=frame["pts"] + np.arange(len(frame)))
    other = write_snapshot(changed, tmp_path, feature_code_version="abc")
    assert first.version == again.version != other.version
    loaded, manifest = read_snapshot(tmp_path, first.version)
    assert manifest.rows == len(frame) == len(loaded)
    assert manifest.rows_per_season["2021-22"] == 4
    assert manifest.features == feature_columns(frame) == ["f_pts_season"]
    assert manifest.min_date == "2021-11-01"


def test_a_frame_without_features_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        write_snapshot(
            _frame().drop(columns=["f_pts_season"]), tmp_path, feature_code_version="abc"
        )
