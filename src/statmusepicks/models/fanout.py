"""Fan-out of independent training tasks over Ray (or in-process), with failures recorded.

A task that raises becomes a `TaskOutcome` carrying its traceback, so one bad (player, stat)
does not stop a run that takes an hour.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from statmusepicks.models.train_config import TrainConfig

Tasks = list[tuple[str, tuple[Any, ...]]]


@dataclass
class TaskOutcome:
    """One task's result, or the error that stopped it.

    `followup` marks a task queued by a `FollowUp`; `arrived` is when the driver received the
    outcome (`time.perf_counter`), so a caller can time the stages of a pipelined run.
    """

    key: str
    result: Any = None
    error: str | None = None
    seconds: float = 0.0
    followup: bool = False
    arrived: float = 0.0


@dataclass
class FollowUp:
    """Second-stage tasks, run with `fn`, that a successful first-stage outcome makes possible.

    They are queued the moment their outcome arrives, behind the first-stage tasks not yet
    started: a worker done with its share of the first stage starts on them while another is
    still busy, instead of idling until the whole first stage is over.
    """

    fn: Callable[..., Any]
    tasks: Callable[[TaskOutcome], Tasks]


def _guarded(fn: Callable[..., Any], key: str, *args: Any) -> TaskOutcome:
    started = time.perf_counter()
    try:
        return TaskOutcome(key, fn(*args), None, time.perf_counter() - started)
    except Exception:
        return TaskOutcome(key, None, traceback.format_exc(limit=5), time.perf_counter() - started)


def _in_process(
    fn: Callable[..., Any], tasks: Tasks, shared: Any, follow: FollowUp | None
) -> Iterator[TaskOutcome]:
    for key, args in tasks:
        outcome = replace(_guarded(fn, key, shared, *args), arrived=time.perf_counter())
        yield outcome
        if follow is not None and outcome.error is None:
            for follow_key, follow_args in follow.tasks(outcome):
                done = _guarded(follow.fn, follow_key, None, *follow_args)
                yield replace(done, followup=True, arrived=time.perf_counter())


def _on_ray(
    fn: Callable[..., Any], tasks: Tasks, shared: Any, follow: FollowUp | None, config: TrainConfig
) -> Iterator[TaskOutcome]:
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
    first = {remote.remote(fn, key, shared_ref, *args) for key, args in tasks}
    waiting = list(first)
    while waiting:
        done, waiting = ray.wait(waiting, num_returns=1)
        for ref in done:
            try:
                outcome = replace(ray.get(ref), arrived=time.perf_counter())
            except Exception as exc:
                outcome = TaskOutcome("unknown", None, repr(exc), arrived=time.perf_counter())
            if ref not in first:
                outcome = replace(outcome, followup=True)
            elif follow is not None and outcome.error is None:
                waiting += [
                    remote.remote(follow.fn, key, None, *args)
                    for key, args in follow.tasks(outcome)
                ]
            yield outcome


def run_tasks(
    fn: Callable[..., Any],
    tasks: Tasks,
    *,
    config: TrainConfig,
    description: str,
    shared: Any = None,
    follow: FollowUp | None = None,
) -> list[TaskOutcome]:
    """Run `fn(shared, *args)` for every (key, args) task; Ray when enabled, else in-process.

    `shared` (the feature frame) is put in Ray's object store once. With `follow`, each
    successful outcome's follow-up tasks run too (`follow.fn(None, *args)`), and their
    outcomes, marked `followup`, come back in the same list. Results come back as tasks
    finish, driving a rich progress bar.
    """
    if not tasks:
        return []
    if config.use_ray:
        outcomes = _on_ray(fn, tasks, shared, follow, config)
    else:
        outcomes = _in_process(fn, tasks, shared, follow)
    total = None if follow is not None else len(tasks)
    return list(_progress(outcomes, total, description, config.progress))


def _progress(
    outcomes: Iterable[TaskOutcome], total: int | None, description: str, show: bool
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
