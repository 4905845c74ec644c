"""Where fits run: a small interface so a search can later run on a cluster.

A search hands the executor independent tasks (one cross-validation fit each) and consumes
results as they complete, which is what drives the progress bar and makes cancelling
possible. ``LocalExecutor`` runs them with joblib on this machine; a Dask executor only has to
provide the same ``map_unordered``, and may provide ``share`` and ``release`` (as ``scatter``
would) for data that many tasks read.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from typing import Any, Callable, Iterable, Iterator, Protocol

import numpy as np
from joblib import Parallel, delayed, dump, load

SHARE_MIN_BYTES = 1 << 20  # joblib's own threshold for memory-mapping arguments


class Executor(Protocol):
    """Runs independent tasks and yields their results in completion order.

    Optionally ``share(array) -> array`` makes an array cheap to pass to many tasks, and
    ``release()`` frees what ``share`` kept; a search calls them when they exist.
    """

    n_workers: int

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        ...


class LocalExecutor:
    """joblib processes on this machine; ``n_jobs=1`` runs in-process (easiest to debug)."""

    def __init__(self, n_jobs: int | None = None):
        if n_jobs is None:
            n_jobs = int(os.environ.get("MODELOPS_N_JOBS", "0")) or -1
        self.n_jobs = n_jobs
        self.n_workers = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
        self._folder: str | None = None

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[tuple]) -> Iterator[Any]:
        if self.n_jobs == 1:
            for args in tasks:
                yield fn(*args)
            return
        parallel = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        yield from parallel(delayed(fn)(*args) for args in tasks)

    def share(self, array):
        """``array`` memory-mapped from a file the workers open, instead of copied into each task.

        joblib memory-maps large arguments too, but once per ``Parallel`` call; data read by
        several calls (every model of a search) is written once here. In-process, a no-op.
        """
        if (self.n_jobs == 1 or not isinstance(array, np.ndarray) or array.dtype.hasobject
                or array.nbytes < SHARE_MIN_BYTES):
            return array
        if self._folder is None:
            self._folder = tempfile.mkdtemp(prefix="modelops-shared-", dir=_shared_memory_dir())
        path = os.path.join(self._folder, f"{uuid.uuid4().hex}.joblib")
        dump(array, path)
        return load(path, mmap_mode="r")

    def release(self) -> None:
        """Delete the files ``share`` wrote (open maps stay readable until dropped)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _shared_memory_dir() -> str | None:
    """joblib's choice: $JOBLIB_TEMP_FOLDER, else /dev/shm when it has room, else the temp dir."""
    folder = os.environ.get("JOBLIB_TEMP_FOLDER")
    if folder:
        return folder
    try:
        stats = os.statvfs("/dev/shm")
        if stats.f_bavail * stats.f_frsize > 2 << 30:
            return "/dev/shm"
    except OSError:
        pass
    return None
