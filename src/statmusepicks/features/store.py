"""The feature store: the full feature frame materialized as parquet and registered in the DB.

A feature set lives under `<var_dir>/features/<version>/`, partitioned by season, sorted by
player and date. Its version is a hash of the feature code (the registered feature list, every
module of this package and its frozen tables such as the minutes weights) and of the input logs,
so the same code on the same data never builds twice, and a model can record exactly which
features it was trained on. The `feature_sets` table lists what was built; training reads only a
set of the current feature code (`current_feature_set`), so a new feature is never silently
missing from a model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from statmusepicks.core.errors import DataError, NotFoundError
from statmusepicks.core.settings import Settings
from statmusepicks.data.db.models import FeatureSet
from statmusepicks.data.db.session import make_engine
from statmusepicks.features.frame import build_feature_frame
from statmusepicks.features.inputs import PLAYER_LOG_COLUMNS, TEAM_LOG_COLUMNS
from statmusepicks.features.registry import FEATURES
from statmusepicks.features.timeline import day_numbers

PACKAGE_DIR = Path(__file__).resolve().parent
# The feature code: the modules and the frozen tables they read (the minutes weights).
CODE_PATTERNS = ("*.py", "*.json")
STORE_SUBDIR = "features"
# Row groups of 2,000 rows let a reader skip to one player's rows by the player_id statistics.
ROW_GROUP_ROWS = 2_000

Step = Callable[[str], None]


@dataclass(frozen=True)
class FeatureSetInfo:
    """A registered feature set."""

    version: str
    code_hash: str
    data_hash: str
    path: Path
    rows: int
    min_date: dt.date | None
    max_date: dt.date | None
    reused: bool = False


def feature_code_hash() -> str:
    """SHA-256 over the registered feature list and every source and table of this package."""
    digest = hashlib.sha256()
    for function in FEATURES:
        digest.update(f"{function.__module__}.{function.__qualname__};".encode())
    paths = (path for pattern in CODE_PATTERNS for path in PACKAGE_DIR.glob(pattern))
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def logs_data_hash(player_logs: pd.DataFrame, team_logs: pd.DataFrame) -> str:
    """SHA-256 over the log columns the features read (row order does not matter)."""
    digest = hashlib.sha256()
    for frame, columns, keys in (
        (player_logs, PLAYER_LOG_COLUMNS, ["player_id", "game_date"]),
        (team_logs, (*TEAM_LOG_COLUMNS, "season_type"), ["team", "game_date"]),
    ):
        present = [column for column in columns if column in frame.columns]
        ordered = frame[present].astype({"game_date": str}).sort_values(keys, kind="mergesort")
        hashes = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
        digest.update(hashes.tobytes())
    return digest.hexdigest()


@contextmanager
def _session(source: Engine | Settings) -> Iterator[Session]:
    """A session on the given engine, or on a short-lived engine built from settings."""
    if isinstance(source, Engine):
        with Session(source) as session:
            yield session
        return
    engine = make_engine(source.database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _registered(session: Session, version: str) -> FeatureSet | None:
    return session.scalar(select(FeatureSet).where(FeatureSet.version == version))


def _info(record: FeatureSet, *, reused: bool = False) -> FeatureSetInfo:
    return FeatureSetInfo(
        version=record.version,
        code_hash=record.code_hash,
        data_hash=record.data_hash,
        path=Path(record.path),
        rows=record.rows,
        min_date=record.min_date,
        max_date=record.max_date,
        reused=reused,
    )


def build_store(
    player_logs: pd.DataFrame,
    team_logs: pd.DataFrame,
    *,
    settings: Settings,
    engine: Engine,
    force: bool = False,
    on_step: Step | None = None,
) -> FeatureSetInfo:
    """Build the feature frame of every logged player-game, write it and register it.

    Returns the existing set without rebuilding when this code already built this data.
    """
    step = on_step or (lambda _name: None)
    code_hash, data_hash = feature_code_hash(), logs_data_hash(player_logs, team_logs)
    version = hashlib.sha256(f"{code_hash}:{data_hash}".encode()).hexdigest()[:16]
    path = settings.var_dir / STORE_SUBDIR / version
    with Session(engine) as session:
        record = _registered(session, version)
        if record is not None and path.exists() and not force:
            return _info(record, reused=True)
    step("features")
    frame = build_feature_frame(player_logs, team_logs, on_step=step)
    step("write")
    _write(frame, path)
    step("register")
    dates = frame["game_date"]
    with Session(engine) as session, session.begin():
        record = _registered(session, version) or FeatureSet(version=version)
        record.code_hash, record.data_hash = code_hash, data_hash
        record.path, record.rows = str(path), len(frame)
        record.min_date = dates.min().date() if len(frame) else None
        record.max_date = dates.max().date() if len(frame) else None
        session.add(record)
        session.flush()
        info = _info(record)
    return info


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Season partitions, each sorted by player then date (fast single-player reads)."""
    staging = path.with_name(path.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for season, part in frame.groupby("season", sort=True):
        directory = staging / f"season={season}"
        directory.mkdir(parents=True)
        ordered = part.sort_values(["player_id", "game_date"], kind="mergesort")
        table = pa.Table.from_pandas(ordered.drop(columns="season"), preserve_index=False)
        pq.write_table(table, directory / "part-0.parquet", row_group_size=ROW_GROUP_ROWS)
    shutil.rmtree(path, ignore_errors=True)
    staging.rename(path)


def latest_feature_set(source: Engine | Settings) -> FeatureSetInfo:
    """The most recently built feature set (NotFoundError before `features build`)."""
    with _session(source) as session:
        record = session.scalar(select(FeatureSet).order_by(FeatureSet.id.desc()).limit(1))
        if record is None:
            raise NotFoundError("No feature set built yet: run `statmusepicks features build`.")
        return _info(record)


def current_feature_set(source: Engine | Settings) -> FeatureSetInfo:
    """The latest feature set, which must come from the current feature code.

    NotFoundError before any build; DataError when the latest set was built by other feature
    code (a feature added, changed or removed since), which a model must not be trained on.
    """
    info = latest_feature_set(source)
    if info.code_hash != feature_code_hash():
        raise DataError(
            f"Feature set {info.version} was built by other feature code than this checkout's "
            "(a feature was added or changed since): run `statmusepicks features build` first.",
            details={"version": info.version, "code_hash": info.code_hash},
        )
    return info


def _dataset(info: FeatureSetInfo) -> ds.Dataset:
    return ds.dataset(info.path, format="parquet", partitioning="hive")


def _to_frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    frame["season"] = frame["season"].astype(str)
    return frame.sort_values(["game_date", "player_id"], kind="mergesort").reset_index(drop=True)


def load_store(
    source: Engine | Settings,
    *,
    version: str | None = None,
    seasons: list[str] | None = None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """The latest (or a given) feature set as one frame, rows by (game_date, player_id)."""
    info = latest_feature_set(source) if version is None else _by_version(source, version)
    condition = ds.field("season").isin(seasons) if seasons else None
    wanted = None if columns is None else list(dict.fromkeys(["season", *columns]))
    return _to_frame(_dataset(info).to_table(columns=wanted, filter=condition))


def _by_version(source: Engine | Settings, version: str) -> FeatureSetInfo:
    with _session(source) as session:
        record = _registered(session, version)
        if record is None:
            raise NotFoundError(f"Feature set {version!r} is not registered.")
        return _info(record)


def read_player_features(info: FeatureSetInfo, player_id: int) -> pd.DataFrame:
    """One player's rows straight from disk (row-group statistics skip everyone else)."""
    table = _dataset(info).to_table(filter=ds.field("player_id") == int(player_id))
    return _to_frame(table)


class FeatureStore:
    """A feature set held in memory and indexed by (player_id, game_date) for serving."""

    def __init__(self, frame: pd.DataFrame, info: FeatureSetInfo) -> None:
        self.info = info
        self.frame = frame
        keys = _keys(frame["player_id"].to_numpy(), day_numbers(frame["game_date"]))
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]

    @classmethod
    def open(cls, source: Engine | Settings, version: str | None = None) -> FeatureStore:
        """Load a feature set (the latest by default) into memory."""
        info = latest_feature_set(source) if version is None else _by_version(source, version)
        frame = _dataset(info).to_table().to_pandas()
        frame["season"] = frame["season"].astype(str)
        return cls(frame, info)

    def vector(self, player_id: int, game_date: dt.date | str) -> pd.Series:
        """The feature row of one logged player-game (NotFoundError when absent)."""
        key = _keys(np.array([int(player_id)]), day_numbers(pd.Series([game_date])))[0]
        at = int(np.searchsorted(self._keys, key))
        if at >= len(self._keys) or self._keys[at] != key:
            raise NotFoundError(f"No stored features for player {player_id} on {game_date}.")
        return self.frame.iloc[int(self._order[at])]


def _keys(player_id: np.ndarray, day: np.ndarray) -> np.ndarray:
    return (player_id.astype(np.int64) << 17) + day.astype(np.int64)
