"""Prometheus instruments every layer may count with, and the exposition of a scrape.

Counters and histograms live in prometheus_client's default registry. Under several uvicorn
workers each process counts on its own, so a scrape of one would see a fraction of the traffic:
when PROMETHEUS_MULTIPROC_DIR is set (before the workers start, to an empty directory) every
process writes its values to files there and a scrape sums them all. prometheus_client reads
that variable when it is first imported, which is why it is an environment variable and not
only a setting. Gauges that describe the stored state (model scores, freshness, alerts, jobs)
are read from the database at scrape time by a collector instead, so they are the same
whichever process answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Request latencies from a cached hit (~1 ms) to the 30 s request budget.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Jobs run from under a second (alerts) to tens of minutes (a retrain).
JOB_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)

HTTP_REQUESTS = Counter(
    "statmusepicks_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "statmusepicks_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "statmusepicks_cache_lookups",
    "Cache reads, by backend and result (hit or miss).",
    ["backend", "result"],
)
RATE_LIMITED = Counter(
    "statmusepicks_rate_limit_rejections",
    "Requests refused with 429 because the client's token bucket was empty.",
)
JOB_RUNS = Counter(
    "statmusepicks_job_runs",
    "Season jobs run in this process, by job and outcome (ok or failed).",
    ["job", "outcome"],
)
JOB_DURATION = Histogram(
    "statmusepicks_job_duration_seconds",
    "Time a season job took in this process, by job.",
    ["job"],
    buckets=JOB_BUCKETS,
)


def observe_job(job: str, seconds: float, *, ok: bool) -> None:
    """Count one job run and its duration."""
    JOB_RUNS.labels(job=job, outcome="ok" if ok else "failed").inc()
    JOB_DURATION.labels(job=job).observe(seconds)


def multiprocess_dir() -> str | None:
    """The directory the processes share their values through (None: one process)."""
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir() -> None:
    """Create the shared directory and empty it of a previous run's files (call once, before
    the workers start): values left by dead processes would otherwise be counted again."""
    directory = multiprocess_dir()
    if directory is None:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text of one scrape: this process's (or every worker's) instruments, then `extra`."""
    if multiprocess_dir():
        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
    else:
        shared = REGISTRY
    state = CollectorRegistry()
    for collector in extra:
        state.register(collector)
    return generate_latest(shared) + generate_latest(state)
