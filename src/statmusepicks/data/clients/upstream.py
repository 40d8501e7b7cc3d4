"""The HTTP core both upstream clients share: pacing, retries, typed errors, raw payload audit.

Retried: timeouts and transport errors, HTTP 429 (waiting what Retry-After asks) and 5xx.
Not retried: 404 (UpstreamNotFound) and other 4xx (UpstreamError): asking again cannot help.

Each client counts its requests and failures per endpoint (`EndpointCalls`); the ingestion run
around a sync stores them, so data quality can say which endpoint of a source is failing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypedDict, Unpack

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from statmusepicks.core.errors import UpstreamError, UpstreamNotFound, UpstreamRateLimited
from statmusepicks.core.logging import get_logger
from statmusepicks.core.settings import Settings
from statmusepicks.data.clients.breaker import BreakerState, CircuitBreaker
from statmusepicks.data.clients.payloads import PayloadRef, PayloadStore
from statmusepicks.data.rate_limit import (
    Clock,
    MemoryRateLimiter,
    RateLimiter,
    make_rate_limiter,
)

log = get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. `attempts` counts the first try; `sleep` is injectable for tests."""

    attempts: int = 3
    initial_wait: float = 1.0
    max_wait: float = 60.0
    # Up to a second of random extra wait, so clients that failed together do not retry together.
    jitter: float = 1.0
    # A Retry-After longer than this is not worth blocking a worker for: give up instead.
    max_retry_after: float = 300.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self) -> wait_base:
        """What the server's Retry-After asks, else 1 s, 2 s, 4 s ... plus up to `jitter`."""
        return _WaitRetryAfter(
            wait_exponential_jitter(
                multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter
            )
        )


class _RetryableFailure(Exception):
    """One failed attempt that may succeed if tried again."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int = 0):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class _WaitRetryAfter(wait_base):
    """Honour a 429's Retry-After when the server sent one; otherwise wait as `backoff` says."""

    def __init__(self, backoff: wait_base) -> None:
        self.backoff = backoff

    def __call__(self, retry_state: RetryCallState) -> float:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(failure, _RetryableFailure) and failure.retry_after is not None:
            return failure.retry_after
        return self.backoff(retry_state)


@dataclass(frozen=True)
class JSONResponse:
    """A decoded body and the reference of its raw bytes in the payload store."""

    payload: Any
    ref: PayloadRef | None
    # Response headers (lower-case names), e.g. The Odds API's quota counters.
    headers: Mapping[str, str] = field(default_factory=dict)
    # True when the source's breaker is open and this is the newest stored answer instead.
    stale: bool = False


class EndpointCalls:
    """Requests and failures per endpoint label (`<source>:<endpoint>`), safe across threads.

    A request is one `get_json` call, however many attempts it took; it failed when it ended
    in an UpstreamError other than a 404 (an answer: the thing asked for does not exist) or
    was answered from the payload store because the source's breaker was open.
    """

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def record(self, label: str, *, failed: bool) -> None:
        """Count one request to `label`."""
        with self._lock:
            counts = self._counts.setdefault(label, {"requests": 0, "failures": 0})
            counts["requests"] += 1
            counts["failures"] += int(failed)

    def snapshot(self) -> dict[str, dict[str, int]]:
        """The counts so far, per label."""
        with self._lock:
            return {label: dict(counts) for label, counts in self._counts.items()}

    def since(self, before: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
        """The counts added after `before` (a `snapshot`), labels without requests left out."""
        added = {}
        for label, counts in self.snapshot().items():
            earlier = before.get(label, {})
            delta = {name: value - earlier.get(name, 0) for name, value in counts.items()}
            if delta["requests"]:
                added[label] = delta
        return added


def endpoint_label(endpoint: str) -> str:
    """A stable name for an endpoint path or URL: its last segment without an extension
    (`leaguegamelog`, `scheduleLeagueV2`)."""
    last = endpoint.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return last.split(".", 1)[0] or endpoint


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class UpstreamJSONClient:
    """GET JSON from one upstream API with pacing, retries and typed errors."""

    def __init__(
        self,
        *,
        source: str,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        payload_store: PayloadStore | None = None,
        redact_params: tuple[str, ...] = (),
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.source = source
        self.breaker = breaker
        self.retry = retry or RetryPolicy()
        self.rate_limiter: RateLimiter = rate_limiter or MemoryRateLimiter(60)
        self.payload_store = payload_store
        self.redact_params = redact_params
        self.calls = EndpointCalls()
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=dict(headers or {}),
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def get_json(
        self, endpoint: str, params: Mapping[str, Any] | None = None, *, label: str | None = None
    ) -> JSONResponse:
        """GET `endpoint` (relative to the base URL) and decode its JSON body.

        With a breaker: while it is open the newest stored answer to the same request is
        returned marked `stale` (an UpstreamError when there is none), and every failure that
        says the source is unwell (5xx, timeouts, bodies that are not JSON) counts towards it.
        `label` names the endpoint in the per-endpoint counts (default: `endpoint_label`).
        """
        name = f"{self.source}:{label or endpoint_label(endpoint)}"
        try:
            response = self._get_json(endpoint, params)
        except UpstreamNotFound:
            self.calls.record(name, failed=False)
            raise
        except UpstreamError:
            self.calls.record(name, failed=True)
            raise
        self.calls.record(name, failed=response.stale)
        return response

    def _get_json(self, endpoint: str, params: Mapping[str, Any] | None) -> JSONResponse:
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if self.breaker is None:
            return self._fetch(endpoint, query)
        if not self.breaker.allow():
            return self._stale(endpoint, query, None)
        try:
            response = self._fetch(endpoint, query)
        except UpstreamNotFound:
            self.breaker.record_success()
            raise
        except UpstreamError as exc:
            self.breaker.record_failure()
            if self.breaker.state is BreakerState.OPEN:
                return self._stale(endpoint, query, exc)
            raise
        self.breaker.record_success()
        return response

    def _stale(
        self, endpoint: str, query: dict[str, Any], failure: UpstreamError | None
    ) -> JSONResponse:
        ref = None
        if self.payload_store is not None:
            ref = self.payload_store.latest(self.source, endpoint, self._loggable(query))
        if ref is None or self.payload_store is None:
            raise UpstreamError(
                f"{self.source} is failing (circuit open) and no stored answer to {endpoint} "
                f"for {self._loggable(query)} exists",
                details={"endpoint": endpoint, "circuit": "open"},
            ) from failure
        log.warning("upstream.stale", source=self.source, endpoint=endpoint, sha256=ref.sha256)
        body = self.payload_store.get(ref.sha256)
        return JSONResponse(payload=json.loads(body), ref=ref, stale=True)

    def _fetch(self, endpoint: str, query: dict[str, Any]) -> JSONResponse:
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.retry.attempts)),
            wait=self.retry.wait(),
            retry=retry_if_exception_type(_RetryableFailure),
            sleep=self.retry.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            response = retrying(self._attempt, endpoint, query)
        except _RetryableFailure as exc:
            attempts = self.retry.attempts
            if exc.status == 429:
                raise UpstreamRateLimited(
                    f"{self.source} kept answering 429 to {endpoint} after {attempts} attempts",
                    retry_after=exc.retry_after,
                    details={"endpoint": endpoint, "attempts": attempts},
                ) from exc
            raise UpstreamError(
                f"{self.source} {endpoint} failed after {attempts} attempts: {exc}",
                details={"endpoint": endpoint, "attempts": attempts, "status": exc.status},
            ) from exc
        body = response.content
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise UpstreamError(
                f"{self.source} {endpoint} returned a body that is not JSON "
                f"({len(body)} bytes starting {body[:60]!r})",
                details={"endpoint": endpoint},
            ) from exc
        return JSONResponse(
            payload=payload,
            ref=self._store(endpoint, query, body),
            headers={k.lower(): v for k, v in response.headers.items()},
        )

    def _attempt(self, endpoint: str, query: dict[str, Any]) -> httpx.Response:
        self.rate_limiter.acquire()
        try:
            response = self._http.get(endpoint, params=query)
        except httpx.TimeoutException as exc:
            raise _RetryableFailure(f"timeout ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _RetryableFailure(f"transport error: {exc}") from exc
        status = response.status_code
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                raise UpstreamRateLimited(
                    f"{self.source} asks to wait {retry_after:.0f} s before retrying {endpoint}",
                    retry_after=retry_after,
                )
            raise _RetryableFailure("HTTP 429", retry_after=retry_after, status=429)
        if status >= 500:
            raise _RetryableFailure(f"HTTP {status}", status=status)
        if status == 404:
            raise UpstreamNotFound(
                f"{self.source} has no {endpoint} for {self._loggable(query)}",
                details={"endpoint": endpoint, "status": status},
            )
        if status >= 400:
            raise UpstreamError(
                f"{self.source} rejected {endpoint} with HTTP {status}: {response.text[:200]}",
                details={"endpoint": endpoint, "status": status},
            )
        return response

    def _log_retry(self, state: RetryCallState) -> None:
        log.warning(
            "upstream.retry",
            source=self.source,
            attempt=state.attempt_number,
            error=str(state.outcome.exception() if state.outcome else None),
            wait_seconds=round(state.next_action.sleep if state.next_action else 0.0, 2),
        )

    def _loggable(self, query: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in query.items() if key not in self.redact_params}

    def _store(self, endpoint: str, query: dict[str, Any], body: bytes) -> PayloadRef | None:
        if self.payload_store is None:
            return None
        digest = self.payload_store.put(body)
        ref = PayloadRef(
            sha256=digest,
            source=self.source,
            endpoint=endpoint,
            params=self._loggable(query),
            size=len(body),
        )
        self.payload_store.remember(ref)
        return ref


class Wiring(TypedDict, total=False):
    """What an entry point or a test may inject into a client built from settings."""

    transport: httpx.BaseTransport | None
    clock: Clock | None
    retry: RetryPolicy | None
    rate_limiter: RateLimiter | None
    payload_store: PayloadStore | None
    breaker: CircuitBreaker | None


def upstream_from_settings(
    settings: Settings,
    *,
    source: str,
    base_url: str,
    requests_per_minute: int,
    headers: Mapping[str, str],
    burst: int = 1,
    redact_params: tuple[str, ...] = (),
    **wiring: Unpack[Wiring],
) -> UpstreamJSONClient:
    """An upstream client paced, retried and audited as settings say, unless `wiring` overrides."""
    limiter = wiring.get("rate_limiter") or make_rate_limiter(
        source,
        requests_per_minute,
        redis_url=settings.redis_url,
        namespace=settings.cache_namespace,
        burst=burst,
        clock=wiring.get("clock"),
    )
    return UpstreamJSONClient(
        source=source,
        base_url=base_url,
        headers=headers,
        timeout=settings.nba_api_timeout_seconds,
        transport=wiring.get("transport"),
        rate_limiter=limiter,
        retry=wiring.get("retry") or RetryPolicy(attempts=settings.nba_api_max_retries),
        payload_store=wiring.get("payload_store") or PayloadStore(settings.var_dir / "raw"),
        redact_params=redact_params,
        breaker=wiring.get("breaker"),
    )
