"""A bounded loopback load: a few client threads cycling through calls, every answer recorded.

Bounded twice: by `max_seconds` (the load stops itself) and by the caller leaving the `with`
block. Each thread keeps its own connection pool, as separate clients would.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

Call = Callable[[httpx.Client], httpx.Response]


def reading_calls(key: str) -> dict[str, Call]:
    """A context without a key and the backtests with `key`: both read the stores every time."""
    return {
        "context": lambda client: client.get(
            "/api/player_context", params={"player": "Nikola Jokic", "stat": "points", "limit": 5}
        ),
        "backtests": lambda client: client.get("/api/backtests", headers={"X-API-Key": key}),
    }


@dataclass(frozen=True)
class Outcome:
    """One request: when it started, which call, its status (None: no answer) and timing."""

    started: float
    call: str
    status: int | None
    error: str | None
    seconds: float
    retry_after: str | None
    upstream: str | None


def summary(outcomes: Iterable[Outcome]) -> Counter[str]:
    """Counts by status (`error:<exception>` when no answer came back)."""
    return Counter(
        str(outcome.status) if outcome.status is not None else f"error:{outcome.error}"
        for outcome in outcomes
    )


@dataclass
class Load:
    """`threads` clients sending `calls` round robin to `base_url` until stopped."""

    base_url: str
    calls: dict[str, Call]
    threads: int = 4
    max_seconds: float = 20.0
    pause: float = 0.01
    timeout: float = 35.0
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        deadline = time.monotonic() + self.max_seconds
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(index, deadline), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.timeout + 5)

    def _run(self, index: int, deadline: float) -> None:
        names = itertools.islice(itertools.cycle(self.calls), index, None)
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            for name in names:
                if self._stop.is_set() or time.monotonic() > deadline:
                    return
                self._record(name, client)
                time.sleep(self.pause)

    def _record(self, name: str, client: httpx.Client) -> None:
        started = time.monotonic()
        try:
            response = self.calls[name](client)
        except httpx.HTTPError as exc:
            outcome = Outcome(
                started, name, None, type(exc).__name__, time.monotonic() - started, None, None
            )
        else:
            outcome = Outcome(
                started,
                name,
                response.status_code,
                None,
                time.monotonic() - started,
                response.headers.get("retry-after"),
                response.headers.get("x-upstream"),
            )
        with self._lock:
            self.outcomes.append(outcome)

    def between(self, start: float, end: float) -> list[Outcome]:
        """Outcomes of requests started in [start, end) (monotonic clock)."""
        with self._lock:
            return [o for o in self.outcomes if start <= o.started < end]

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)
