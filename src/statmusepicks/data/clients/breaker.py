"""A circuit breaker for one upstream: stop calling a source that keeps failing.

Closed: calls go through; `failure_threshold` consecutive failures open it. Open: calls are
refused (callers fall back to the newest stored answer) until `cooldown_seconds` have passed.
Half-open: one probe goes through; success closes the breaker, failure opens it again for a
fresh cool-down. The clock is injected so tests and replays decide what "now" is, and
`on_open` lets an outer layer raise an alert without this module knowing who listens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum

Now = Callable[[], float]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Consecutive-failure breaker; thread-safe because one client serves many worker threads."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        cooldown_seconds: float,
        now: Now,
        on_open: Callable[[str, int], object] | None = None,
    ) -> None:
        self.name = name
        self.failure_threshold = max(1, failure_threshold)
        self.cooldown_seconds = cooldown_seconds
        self.now = now
        self.on_open = on_open
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether a call may go out now; after the cool-down exactly one probe is let through."""
        with self._lock:
            if self.state is BreakerState.CLOSED:
                return True
            if self.state is BreakerState.OPEN and (
                self.now() - self.opened_at >= self.cooldown_seconds
            ):
                self.state = BreakerState.HALF_OPEN
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self.state = BreakerState.CLOSED
            self.failures = 0

    def record_failure(self) -> None:
        """Count a failure; open (notifying once) at the threshold or when the probe fails."""
        with self._lock:
            self.failures += 1
            opens = self.state is BreakerState.HALF_OPEN or (
                self.state is BreakerState.CLOSED and self.failures >= self.failure_threshold
            )
            if opens:
                self.state = BreakerState.OPEN
                self.opened_at = self.now()
            failures = self.failures
        if opens and self.on_open is not None:
            self.on_open(self.name, failures)
