"""Where fits run: a small interface so a search can later run on a cluster.

A search hands the executor independent tasks (one cross-validation fit each) and consumes
results as they complete, which is what drives the progress bar and makes cancelling
possible. ``LocalExecutor`` runs them with joblib on this machine; a Dask executor only has to
provide the same ``map_unordered``.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, Protocol

from joblib import Parallel, delayed


class Executor(Protocol):
    """Runs independent tasks and yields their results in completion order."""

    n_workers: int

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        ...


class LocalExecutor:
    """joblib processes on this machine; ``n_jobs=1`` runs in-process (easiest to debug)."""

    def __init__(self, n_jobs: int | None = None):
        if n_jobs is None:
            n_jobs = int(os.environ.get("MODELOPS_N_JOBS", "0")) or -1
        self.n_jobs = n_jobs
        self.n_workers = os.cpu_count() or 1 if n_jobs < 0 else n_jobs

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        if self.n_jobs == 1:
            for args in tasks:
                yield fn(*args)
            return
        parallel = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        yield from parallel(delayed(fn)(*args) for args in tasks)
