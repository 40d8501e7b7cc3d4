"""Training data: time-ordered splits of the feature frame and versioned parquet snapshots.

Splits are by season and never shuffled: train up to 2022-23, validate on 2023-24, test on
2024-25 (about 70/15/15 of the player-games since 2015-16). Production models are refitted on
every row with an outcome up to the as-of date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from statmusepicks.core.errors import DataError
from statmusepicks.core.stats import STATS

FEATURE_PREFIX = "f_"
KEY_COLUMNS = ("player_id", "player_name", "game_id", "game_date", "season", "team", "opp")
OUTCOME_COLUMNS = ("pts", "reb", "ast", "fg3m", "stl", "blk", "tov", "min")


@dataclass(frozen=True)
class SeasonSplit:
    """Which seasons train, validate and test (seasons compare as 'YYYY-YY' strings)."""

    train_last: str = "2022-23"
    valid: str = "2023-24"
    test: str = "2024-25"
    train_first: str | None = None

    def train(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of the training seasons (from `train_first`, when set, to `train_last`)."""
        mask = frame["season"] <= self.train_last
        if self.train_first:
            mask &= frame["season"] >= self.train_first
        return frame[mask]

    def validation(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of the validation season."""
        return frame[frame["season"] == self.valid]

    def test_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of the test season."""
        return frame[frame["season"] == self.test]

    def through(self, frame: pd.DataFrame, last_season: str) -> pd.DataFrame:
        """Every training-window row up to and including `last_season`."""
        mask = frame["season"] <= last_season
        if self.train_first:
            mask &= frame["season"] >= self.train_first
        return frame[mask]


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model inputs: every `f_` column, in frame order."""
    return [c for c in frame.columns if c.startswith(FEATURE_PREFIX)]


def target_column(stat: str) -> str:
    """The box-score column a single stat is modelled on (combos have none)."""
    spec = STATS[stat]
    if spec.is_combo:
        raise ValueError(f"{stat} is a combo; it is priced from its components {spec.columns}")
    return spec.columns[0]


def labelled(frame: pd.DataFrame, stat: str) -> pd.DataFrame:
    """Rows whose outcome for this stat is known (upcoming games have NaN outcomes)."""
    return frame[frame[target_column(stat)].notna()]


def validate_frame(frame: pd.DataFrame) -> None:
    """Refuse a frame without the keys, outcomes or features the models rely on."""
    missing = [c for c in (*KEY_COLUMNS, "season") if c not in frame.columns]
    if missing:
        raise DataError(f"feature frame lacks key columns {missing}")
    if not feature_columns(frame):
        raise DataError("feature frame has no f_ feature columns")


def content_hash(frame: pd.DataFrame) -> str:
    """A short, order-sensitive hash of a frame's content."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update(",".join(map(str, frame.columns)).encode())
    return digest.hexdigest()[:16]


@dataclass
class DatasetManifest:
    """What a snapshot holds: enough to reproduce or audit a training run."""

    version: str
    path: str
    feature_code_version: str
    rows: int
    min_date: str
    max_date: str
    rows_per_season: dict[str, int] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    created_at: str = ""


def write_snapshot(
    frame: pd.DataFrame, directory: Path, *, feature_code_version: str
) -> DatasetManifest:
    """Write the frame as `<directory>/<hash>/data.parquet` with a manifest next to it.

    The version is the content hash, so writing the same frame twice reuses one snapshot.
    """
    validate_frame(frame)
    version = content_hash(frame)
    target = directory / version
    target.mkdir(parents=True, exist_ok=True)
    data_path = target / "data.parquet"
    if not data_path.exists():
        frame.to_parquet(data_path, index=False)
    dates = pd.to_datetime(frame["game_date"])
    manifest = DatasetManifest(
        version=version,
        path=str(data_path),
        feature_code_version=feature_code_version,
        rows=len(frame),
        min_date=str(dates.min().date()) if len(frame) else "",
        max_date=str(dates.max().date()) if len(frame) else "",
        rows_per_season={str(k): int(v) for k, v in frame["season"].value_counts().items()},
        features=feature_columns(frame),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    (target / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True))
    return manifest


def read_snapshot(directory: Path, version: str) -> tuple[pd.DataFrame, DatasetManifest]:
    """A snapshot written by `write_snapshot`, with its manifest."""
    target = directory / version
    manifest_path = target / "manifest.json"
    if not manifest_path.exists():
        raise DataError(f"no dataset snapshot {version!r} under {directory}")
    manifest = DatasetManifest(**json.loads(manifest_path.read_text()))
    return pd.read_parquet(target / "data.parquet"), manifest
