"""The prediction log: every served prediction appended to `predictions`, off the request path.

Rows are queued by the request thread and written in batches by one background thread; the
container closes the recorder (writing what is left) before it disposes the engine. Each served
prediction is stamped when it is queued and appended to the record's hash chain
(`data/repositories/record_chain.py`), whose lock keeps the chain linear however many workers
write. Under an A/B test the unserved arm's price goes to `shadow_predictions` through the same
writer (outside the chain: it was never served).
"""

from __future__ import annotations

import atexit
import datetime as dt
import queue
import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import DeclarativeBase

from statmusepicks.core.logging import get_logger
from statmusepicks.data.db.models import Prediction
from statmusepicks.data.repositories.record_chain import append_predictions
from statmusepicks.services.experiments import CHAMPION_ARM
from statmusepicks.services.prediction_request import PredictionRequest

log = get_logger(__name__)


class PredictionRecorder:
    """Appends served predictions to `predictions` from a background thread (batched)."""

    def __init__(self, engine: Engine, flush_seconds: float = 0.25) -> None:
        self.engine = engine
        self.flush_seconds = flush_seconds
        self._queue: queue.Queue[tuple[type[DeclarativeBase], dict[str, Any]]] = queue.Queue()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def record(self, row: dict[str, Any], table: type[DeclarativeBase] = Prediction) -> None:
        """Queue one row of `table` (the prediction log, or the shadow log of an A/B test),
        stamped with the moment it was served."""
        self._queue.put((table, {"created_at": dt.datetime.now(dt.UTC)} | row))

    def close(self) -> None:
        """Stop the writer thread and write what is left."""
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join(timeout=5)
            self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
            except Exception as exc:  # the log must never take the service down
                log.error("prediction log write failed", error=repr(exc))

    def flush(self) -> int:
        """Write everything queued so far; returns the number of rows written."""
        with self._lock:
            tables: dict[type[DeclarativeBase], list[dict[str, Any]]] = {}
            while True:
                try:
                    table, row = self._queue.get_nowait()
                except queue.Empty:
                    break
                tables.setdefault(table, []).append(row)
            served = tables.pop(Prediction, [])
            if served:
                with self.engine.begin() as connection:
                    append_predictions(connection, served, at=dt.datetime.now(dt.UTC))
            if tables:
                with self.engine.begin() as connection:
                    for table, rows in tables.items():
                        connection.execute(insert(table), rows)
            return len(served) + sum(len(rows) for rows in tables.values())


def log_row(
    answer: Mapping[str, Any], request: PredictionRequest, api_key_id: int | None
) -> dict[str, Any]:
    """The `predictions` row of a served answer."""
    return {
        "player_id": answer["player_id"],
        "player_name": answer["player"],
        "stat": answer["stat"],
        "line": answer["line"],
        "game_date": dt.date.fromisoformat(answer["game_date"]),
        "odds_over": round(request.odds_over),
        "odds_under": round(request.odds_under),
        "predicted_value": answer["predicted_value"],
        "over_probability": answer["over_probability"],
        "under_probability": answer["under_probability"],
        "push_probability": answer["push_probability"],
        "recommendation": answer["decision"],
        "expected_value": answer["expected_value"],
        "kelly_fraction": answer["kelly_fraction"],
        "model_version": str(answer["model_version"])[:100],
        "model_scope": answer["model_scope"],
        "request": request.logged(),
        "api_key_id": api_key_id,
        "arm": CHAMPION_ARM,
        "experiment_id": None,
    }
