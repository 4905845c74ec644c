"""Hyper-parameter search: grid, random and successive halving over cross-validation fits.

We run the fits ourselves (each one a task for the executor) instead of calling GridSearchCV,
because the product needs what GridSearchCV does not give: a progress count of fits done of
total, cancelling between fits, the error message of every failed fit, and warnings collected
rather than printed. The candidates, splits and scorers are scikit-learn's own public pieces.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import ParameterGrid, ParameterSampler, train_test_split

from core.errors import TrainingCancelled
from core.execution import Executor

STRATEGIES = ("grid", "random", "halving")
ProgressCallback = Callable[[int, int, str], None]


@dataclass
class Candidate:
    """One parameter setting of one model and its cross-validation outcome."""

    model: str
    params: dict
    scores: list[float] = field(default_factory=list)
    fit_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    round: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.errors) or not self.scores or not np.all(np.isfinite(self.scores))

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores)) if not self.failed else float("nan")

    @property
    def std(self) -> float:
        return float(np.std(self.scores)) if not self.failed else float("nan")


def _fit_and_score(key, pipeline, params, X, y, train_idx, test_idx, scoring):
    """One CV fit; never raises, so one bad candidate cannot kill the search."""
    est = clone(pipeline).set_params(**params)
    out = {"key": key, "score": float("nan"), "fit_time": 0.0, "error": None, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t0 = time.perf_counter()
            est.fit(X.iloc[train_idx], y[train_idx])
            out["fit_time"] = time.perf_counter() - t0
            score = float(get_scorer(scoring)(est, X.iloc[test_idx], y[test_idx]))
            if not np.isfinite(score):
                out["error"] = f"the {scoring} score is not a finite number"
            out["score"] = score
        except Exception as exc:  # a failed candidate is reported, not raised
            out["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
    out["warnings"] = sorted({f"{w.category.__name__}: {str(w.message)[:200]}" for w in caught})
    return out


@dataclass
class SearchSpace:
    """One model's pipeline and the parameter lists to search (keys without the step prefix)."""

    name: str
    pipeline: object
    grid: dict[str, list]


def planned_candidates(space: SearchSpace, strategy: str, n_iter: int, seed: int) -> list[dict]:
    grid = {f"model__{k}": v for k, v in space.grid.items()}
    full = list(ParameterGrid(grid)) if grid else [{}]
    if strategy == "random" and len(full) > n_iter:
        return list(ParameterSampler(grid, n_iter=n_iter, random_state=seed))
    return full


def halving_schedule(n_candidates: int, n_rows: int, min_rows: int, factor: int = 3) -> list[tuple[int, int]]:
    """(candidates, rows) for each round; the last round always uses every row."""
    if n_candidates <= 1:
        return [(n_candidates, n_rows)]
    rounds = 1 + int(math.floor(math.log(n_candidates, factor) + 1e-9))
    while rounds > 1 and n_rows // factor ** (rounds - 1) < min_rows:
        rounds -= 1
    schedule, cands = [], n_candidates
    for r in range(rounds):
        rows = n_rows if r == rounds - 1 else n_rows // factor ** (rounds - 1 - r)
        schedule.append((cands, rows))
        cands = max(1, math.ceil(cands / factor))
    return schedule


def count_fits(spaces: list[SearchSpace], strategy: str, n_iter: int, n_splits: int, n_rows: int,
               min_rows: int, seed: int) -> int:
    """How many fits a search will run, including one refit per model; shown before it starts."""
    total = 0
    for s in spaces:
        n = len(planned_candidates(s, strategy, n_iter, seed))
        if strategy == "halving":
            total += sum(c for c, _ in halving_schedule(n, n_rows, min_rows)) * n_splits
        else:
            total += n * n_splits
        total += 1
    return total


class Search:
    """Runs the CV fits of several models, reporting progress and honouring cancel."""

    def __init__(self, executor: Executor, splitter, scoring: str, task: str, seed: int,
                 total_fits: int, progress: ProgressCallback | None = None,
                 should_stop: Callable[[], bool] | None = None):
        self.executor = executor
        self.splitter = splitter
        self.scoring = scoring
        self.task = task
        self.seed = seed
        self.total = total_fits
        self.done = 0
        self.progress = progress
        self.should_stop = should_stop
        self.started = time.perf_counter()

    def tick(self, n: int, message: str) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total, message)

    def check_cancel(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise TrainingCancelled(
                f"Training was cancelled after {self.done} of {self.total} fits; nothing was saved."
            )

    def evaluate(self, space: SearchSpace, candidates: list[dict], X: pd.DataFrame, y: np.ndarray,
                 round_no: int = 0) -> list[Candidate]:
        """Cross-validate every candidate on (X, y), as fits complete in any order."""
        results = [Candidate(space.name, {k.removeprefix("model__"): v for k, v in c.items()},
                             rows=len(X), round=round_no) for c in candidates]
        splits = list(self.splitter.split(X, y))
        tasks = (
            ((ci, si), space.pipeline, c, X, y, tr, te, self.scoring)
            for ci, c in enumerate(candidates) for si, (tr, te) in enumerate(splits)
        )
        stream = self.executor.map_unordered(_fit_and_score, tasks)
        try:
            for out in stream:
                ci, _ = out["key"]
                cand = results[ci]
                cand.scores.append(out["score"])
                cand.fit_times.append(out["fit_time"])
                if out["error"]:
                    cand.errors.append(out["error"])
                cand.warnings.extend(w for w in out["warnings"] if w not in cand.warnings)
                self.tick(1, f"{space.name}: fit {self.done + 1} of {self.total}")
                self.check_cancel()
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        return results

    def run(self, space: SearchSpace, strategy: str, n_iter: int, X: pd.DataFrame, y: np.ndarray,
            min_rows: int) -> list[Candidate]:
        """Search one model; returns every candidate evaluated (all rounds for halving)."""
        candidates = planned_candidates(space, strategy, n_iter, self.seed)
        if strategy != "halving" or len(candidates) <= 1:
            return self.evaluate(space, candidates, X, y)
        every: list[Candidate] = []
        schedule = halving_schedule(len(candidates), len(X), min_rows)
        alive = candidates
        for r, (_, rows) in enumerate(schedule):
            if rows < len(X):
                idx, _ = train_test_split(
                    np.arange(len(X)), train_size=rows, random_state=self.seed + r,
                    stratify=y if self.task == "classification" else None,
                )
                idx = np.sort(idx)
                Xr, yr = X.iloc[idx], y[idx]
            else:
                Xr, yr = X, y
            evaluated = self.evaluate(space, alive, Xr, yr, round_no=r)
            every.extend(evaluated)
            if r == len(schedule) - 1:
                break
            keep = schedule[r + 1][0]
            order = sorted(range(len(evaluated)), key=lambda i: (evaluated[i].failed, -np.nan_to_num(evaluated[i].mean, nan=-np.inf)))
            alive = [alive[i] for i in order[:keep]]
        return every
