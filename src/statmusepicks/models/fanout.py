"""Fan-out of independent training tasks over Ray (or in-process), with failures recorded.

A task that raises becomes a `TaskOutcome` carrying its traceback, so one bad (player, stat)
does not stop a run that takes an hour.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from statmusepicks.models.train_config import TrainConfig


@dataclass
class TaskOutcome:
    """One task's result, or the error that stopped it."""

    key: str
    result: Any = None
    error: str | None = None
    seconds: float = 0.0


def _guarded(fn: Callable[..., Any], key: str, *args: Any) -> TaskOutcome:
    started = time.perf_counter()
    try:
        return TaskOutcome(key, fn(*args), None, time.perf_counter() - started)
    except Exception:
        return TaskOutcome(key, None, traceback.format_exc(limit=5), time.perf_counter() - started)


def run_tasks(
    fn: Callable[..., Any],
    tasks: list[tuple[str, tuple[Any, ...]]],
    *,
    config: TrainConfig,
    description: str,
    shared: Any = None,
) -> list[TaskOutcome]:
    """Run `fn(shared, *args)` for every (key, args) task; Ray when enabled, else in-process.

    `shared` (the feature frame) is put in Ray's object store once. Results come back as
    tasks finish, driving a rich progress bar.
    """
    if not tasks:
        return []
    if not config.use_ray:
        return list(
            _progress(
                (_guarded(fn, key, shared, *args) for key, args in tasks),
                len(tasks),
                description,
                config.progress,
            )
        )
    import ray

    if not ray.is_initialized():
        if config.ray_address:
            ray.init(address=config.ray_address, log_to_driver=False)
        else:
            # Ray runs workers at niceness 15 by default; on a shared box they then starve
            # behind any interactive job. Training is the job here, so keep them at 0.
            os.environ.setdefault("RAY_worker_niceness", "0")
            ray.init(
                num_cpus=os.cpu_count() or 2,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
    remote = ray.remote(num_cpus=1, max_retries=0)(_guarded)
    shared_ref = ray.put(shared)
    pending = [remote.remote(fn, key, shared_ref, *args) for key, args in tasks]

    def finished() -> Iterable[TaskOutcome]:
        waiting = list(pending)
        while waiting:
            done, waiting = ray.wait(waiting, num_returns=1)
            for ref in done:
                try:
                    yield ray.get(ref)
                except Exception as exc:
                    yield TaskOutcome("unknown", None, repr(exc))

    return list(_progress(finished(), len(tasks), description, config.progress))


def _progress(
    outcomes: Iterable[TaskOutcome], total: int, description: str, show: bool
) -> Iterable[TaskOutcome]:
    if not show:
        yield from outcomes
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as bar:
        task = bar.add_task(description, total=total)
        for outcome in outcomes:
            bar.advance(task)
            yield outcome
