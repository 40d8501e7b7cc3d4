"""Other processes' work on the stores a server shares: long write transactions on the app
database, an exclusively locked MLflow store and its creation lock held.

Used in-process by the quick cold-start test and as `python -m tests.stores_busy` (a real other
process) by the reliability test. Every hold is bounded by its caller.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import insert

from statmusepicks.data.db.models import Prediction
from statmusepicks.data.db.session import make_engine
from tests.prediction_rows import prediction_row

ROW = prediction_row(
    player_id=1,
    player_name="Load Writer",
    game_date=dt.date(2025, 1, 1),
    model_version="busy",
    line=10.5,
    predicted_value=10.0,
    api_key_id=None,
)


def write_loop(database_url: str, stop: threading.Event, hold_seconds: float = 2.0) -> int:
    """Long write transactions back to back (a backtest storing, an ingest upserting) until
    `stop`; returns how many committed."""
    engine = make_engine(database_url)
    committed = 0
    try:
        while not stop.is_set():
            with engine.begin() as connection:
                connection.execute(insert(Prediction), [ROW] * 100)
                stop.wait(hold_seconds)
            committed += 1
    finally:
        engine.dispose()
    return committed


def lock_mlflow_loop(store: Path, stop: threading.Event, hold_seconds: float = 3.0) -> None:
    """Exclusive transactions on the MLflow file store (a registration in progress) until `stop`."""
    connection = sqlite3.connect(store, timeout=60, isolation_level=None)
    try:
        while not stop.is_set():
            connection.execute("BEGIN EXCLUSIVE")
            stop.wait(hold_seconds)
            connection.execute("COMMIT")
            time.sleep(0.02)
    finally:
        connection.close()


@contextlib.contextmanager
def store_creation_lock(store: Path) -> Iterator[None]:
    """Hold the lock a process takes while it creates the MLflow store."""
    with store.with_name(store.name + ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def stores_busy(database_url: str, mlflow_store: Path) -> Iterator[None]:
    """All three at once, in threads of this process, until the block ends."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=write_loop, args=(database_url, stop), daemon=True),
        threading.Thread(target=lock_mlflow_loop, args=(mlflow_store, stop), daemon=True),
    ]
    with store_creation_lock(mlflow_store):
        for thread in threads:
            thread.start()
        time.sleep(0.3)  # both hold their locks before the caller goes on
        try:
            yield
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)


def main() -> None:
    """`python -m tests.stores_busy DATABASE_URL MLFLOW_STORE`: busy until killed."""
    with stores_busy(sys.argv[1], Path(sys.argv[2])):
        threading.Event().wait()


if __name__ == "__main__":
    main()
