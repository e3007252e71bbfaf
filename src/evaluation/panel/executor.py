"""Run independent tasks in local processes (default) or on a Dask distributed cluster.

Results come back in task order whichever executor runs them, so a study seeded per task gives
identical numbers locally and on a cluster. Progress is reported as tasks finish.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]


def print_progress(done: int, total: int) -> None:
    """Print ``label: done/total`` to stderr at every tenth of the work (and at the end)."""
    step = max(1, total // 10)
    if done == total or done % step == 0:
        print(f"recovery study: {done}/{total} tasks done", file=sys.stderr, flush=True)


def run_tasks(fn: Callable[[T], R], tasks: Sequence[T], *, scheduler: str | None = None,
              workers: int | None = None, progress: Progress | None = None) -> list[R]:
    """``[fn(t) for t in tasks]``, in parallel.

    Parameters
    ----------
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``); None runs local
        processes.
    workers
        Local processes (None: one per core; 1: in this process, no pool).
    progress
        Called with ``(done, total)`` as tasks finish.
    """
    total = len(tasks)
    results: list[Any] = [None] * total
    report = progress or (lambda done, total: None)
    if scheduler is not None:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = client.map(fn, list(tasks), pure=False)
            position = {f.key: k for k, f in enumerate(futures)}
            for done, future in enumerate(dask_completed(futures), start=1):
                results[position[future.key]] = future.result()
                report(done, total)
        return results
    if workers == 1 or total <= 1:
        for k, task in enumerate(tasks):
            results[k] = fn(task)
            report(k + 1, total)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = {pool.submit(fn, task): k for k, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(pending), start=1):
            results[pending[future]] = future.result()
            report(done, total)
    return results
