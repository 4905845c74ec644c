"""Hyper-parameter search: grid, random and successive halving over cross-validation fits.

We run the fits ourselves (each one a task for the executor) instead of calling GridSearchCV,
because the product needs what GridSearchCV does not give: a progress count of fits done of
total, cancelling between fits, the error message of every failed fit, and warnings collected
rather than printed. The candidates, splits and scorers are scikit-learn's own public pieces.

When the candidates differ only in the model's parameters (every grid here), the steps in
front of the model are the same for all of them, so each fold's preparation is fitted once and
its output shared by every candidate and by every model with the same preparation, as a
``Pipeline(memory=...)`` would; the preparation of the whole training split, which every final
refit needs, is fitted alongside the folds. Fitted once or once per candidate, a preparation
gives the same arrays, so scores and final pipelines are unchanged. Above ``CACHE_BYTES`` of
prepared data the search falls back to fitting the whole pipeline for every fit.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from joblib import hash as joblib_hash
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import ParameterGrid, ParameterSampler, train_test_split
from sklearn.pipeline import Pipeline

from core.errors import TrainingCancelled
from core.execution import Executor

STRATEGIES = ("grid", "random", "halving")
ProgressCallback = Callable[[int, int, str], None]
CACHE_BYTES = 1 << 30  # prepared fold data kept at once (float64 rows x columns x folds)


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


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"


def _warning_texts(caught) -> list[str]:
    return sorted({f"{w.category.__name__}: {str(w.message)[:200]}" for w in caught})


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
            out["error"] = _error_text(exc)
    out["warnings"] = _warning_texts(caught)
    return out


def _prepare_fold(key, prefix, X, y, train_idx, test_idx):
    """Fit the steps in front of the model on one fold; its output serves every candidate.

    With ``train_idx`` None the steps are fitted on all of (X, y), for the final refits, and
    the fitted steps are returned too.
    """
    out = {"key": key, "train": None, "test": None, "steps": None, "fit_time": 0.0, "error": None,
           "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t0 = time.perf_counter()
            est = clone(prefix)
            if train_idx is None:
                out["train"] = est.fit_transform(X, y)
                out["steps"] = est
            else:
                out["train"] = est.fit_transform(X.iloc[train_idx], y[train_idx])
            out["fit_time"] = time.perf_counter() - t0
            if test_idx is not None:
                out["test"] = est.transform(X.iloc[test_idx])
        except Exception as exc:  # every candidate of this fold reports it
            out["error"] = _error_text(exc)
    out["warnings"] = _warning_texts(caught)
    return out


def _fit_model_and_score(key, model, params, Xt_train, y_train, Xt_test, y_test, scoring, fold):
    """One CV fit of the model alone on a prepared fold; scored as the whole pipeline would be."""
    est = clone(model).set_params(**params)
    out = {"key": key, "score": float("nan"), "fit_time": fold["fit_time"], "error": None, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            t0 = time.perf_counter()
            est.fit(Xt_train, y_train)
            out["fit_time"] += time.perf_counter() - t0
            score = float(get_scorer(scoring)(est, Xt_test, y_test))
            if not np.isfinite(score):
                out["error"] = f"the {scoring} score is not a finite number"
            out["score"] = score
        except Exception as exc:  # a failed candidate is reported, not raised
            out["error"] = _error_text(exc)
    out["warnings"] = sorted(set(fold["warnings"]) | set(_warning_texts(caught)))
    return out


@dataclass
class SearchSpace:
    """One model's pipeline and the parameter lists to search (keys without the step prefix)."""

    name: str
    pipeline: object
    grid: dict[str, list]
    width: int | None = None  # columns out of the steps before the model, when known


def _model_only(space: SearchSpace, candidates: list[dict]) -> bool:
    """True when every candidate changes only the model, so the steps before it can be shared."""
    pipe = space.pipeline
    return (isinstance(pipe, Pipeline) and len(pipe.steps) > 1 and pipe.steps[-1][0] == "model"
            and all(k.startswith("model__") for c in candidates for k in c))


def planned_candidates(space: SearchSpace, strategy: str, n_iter: int, seed: int) -> list[dict]:
    grid = {f"model__{k}": v for k, v in space.grid.items()}
    full = list(ParameterGrid(grid)) if grid else [{}]
    if strategy == "random" and len(full) > n_iter:
        return list(ParameterSampler(grid, n_iter=n_iter, random_state=seed))
    return full


def halving_schedule(n_candidates: int, n_rows: int, min_rows: int, factor: int = 3) -> list[tuple[int, int]]:
    """(candidates, rows) for each round of successive halving; the last round uses every row.

    As scikit-learn's HalvingGridSearchCV with ``min_resources="exhaust"`` and
    ``aggressive_elimination=True``: rows grow and candidates shrink by ``factor`` each round,
    starting from the most rows that still leave a round for every cut down to one candidate.
    When the rows cannot shrink that far (not below ``min_rows``), the first rounds repeat the
    smallest size, each on a fresh sample, until few enough candidates are left, rather than
    sending many candidates to the full-size round. Too few rows for even one smaller round
    (under ``factor`` x ``min_rows``): one round, every candidate on every row.
    """
    if n_candidates <= 1:
        return [(n_candidates, n_rows)]
    required = 1 + int(math.floor(math.log(n_candidates, factor) + 1e-9))
    possible = 1
    while possible < required and n_rows // factor ** possible >= min_rows:
        possible += 1
    if possible == 1:
        return [(n_candidates, n_rows)]
    schedule, cands = [], n_candidates
    for r in range(required):
        power = max(0, possible - 1 - max(0, r - (required - possible)))
        schedule.append((cands, n_rows // factor ** power))
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
                 should_stop: Callable[[], bool] | None = None, refit_on: tuple | None = None):
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
        self.refit_on = refit_on  # (X, y) the final pipelines are fitted on, when known
        self.cache_bytes = CACHE_BYTES
        self._prepared: tuple | None = None  # (key, splits, folds, data): one table's prepared folds

    def release(self) -> None:
        """Drop the prepared data kept for the next model and the final fits."""
        self._prepared = None
        release = getattr(self.executor, "release", None)
        if release is not None:
            release()

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
        if self._shares_preparation(space, candidates, X):
            outputs = self._evaluate_prepared(space, candidates, X, y)
        else:
            splits = list(self.splitter.split(X, y))
            tasks = (
                ((ci, si), space.pipeline, c, X, y, tr, te, self.scoring)
                for ci, c in enumerate(candidates) for si, (tr, te) in enumerate(splits)
            )
            outputs = self.executor.map_unordered(_fit_and_score, tasks)
        received: list[dict[int, dict]] = [{} for _ in candidates]
        try:
            for out in outputs:
                ci, si = out["key"]
                received[ci][si] = out
                self.tick(1, f"{space.name}: fit {self.done + 1} of {self.total}")
                self.check_cancel()
        finally:
            close = getattr(outputs, "close", None)
            if close:
                close()
        for cand, outs in zip(results, received):  # in fold order, whatever order fits finished in
            for si in sorted(outs):
                out = outs[si]
                cand.scores.append(out["score"])
                cand.fit_times.append(out["fit_time"])
                if out["error"]:
                    cand.errors.append(out["error"])
                cand.warnings.extend(w for w in out["warnings"] if w not in cand.warnings)
        return results

    def _shares_preparation(self, space: SearchSpace, candidates: list[dict], X: pd.DataFrame) -> bool:
        if not space.width or not _model_only(space, candidates):
            return False
        n_splits = self.splitter.get_n_splits()
        return (n_splits + 1) * len(X) * space.width * 8 <= self.cache_bytes

    def _is_refit_table(self, X: pd.DataFrame, y: np.ndarray) -> bool:
        return self.refit_on is not None and X is self.refit_on[0] and y is self.refit_on[1]

    def _prepared_folds(self, prefix: Pipeline, X: pd.DataFrame, y: np.ndarray):
        """Each fold's prepared (train, test) arrays, fitted once per table and preparation.

        On the table the final pipelines are fitted on, the preparation of all its rows is
        fitted in the same batch of tasks (under the key "full"), so the refits need not redo it.
        """
        key = (id(X), id(y), len(X), joblib_hash(prefix))
        if self._prepared is not None and self._prepared[0] == key:
            return self._prepared[1], self._prepared[2]
        self._prepared = None  # free the previous table's folds before preparing these
        splits = list(self.splitter.split(X, y))
        tasks = [(si, prefix, X, y, tr, te) for si, (tr, te) in enumerate(splits)]
        if self._is_refit_table(X, y):
            tasks.insert(0, ("full", prefix, X, y, None, None))  # the longest task goes first
        folds: dict = {}
        share = getattr(self.executor, "share", lambda a: a)
        stream = self.executor.map_unordered(_prepare_fold, iter(tasks))
        try:
            for out in stream:
                if out["key"] != "full" and not out["error"]:  # sent to many tasks: shared once
                    out["train"], out["test"] = share(out["train"]), share(out["test"])
                folds[out["key"]] = out
                self.check_cancel()
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        self._prepared = (key, splits, folds, (X, y))  # X and y are held so their ids stay theirs
        return splits, folds

    def fit_final(self, space: SearchSpace, params: dict, X: pd.DataFrame, y: np.ndarray):
        """Fit ``space``'s pipeline with the model's ``params`` on all of (X, y).

        Returns the fitted pipeline and the warnings raised while fitting it. When the search
        prepared this table already, only the model is fitted, behind a copy of the fitted
        preparation: the same pipeline a full fit gives. Raises what the fit raises.
        """
        full = None
        if self._prepared is not None and self._is_refit_table(X, y):
            key = (id(X), id(y), len(X), joblib_hash(space.pipeline[:-1]))
            entry = self._prepared[2].get("full") if self._prepared[0] == key else None
            full = entry if entry is not None and not entry["error"] else None
        name, model = space.pipeline.steps[-1]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if full is None:
                pipe = clone(space.pipeline).set_params(**{f"{name}__{k}": v for k, v in params.items()})
                pipe.fit(X, y)
                earlier = []
            else:
                est = clone(model).set_params(**params)
                est.fit(full["train"], y)
                pipe = Pipeline([*copy.deepcopy(full["steps"]).steps, (name, est)])
                earlier = full["warnings"]
        return pipe, sorted(set(earlier) | set(_warning_texts(caught)))

    def _evaluate_prepared(self, space: SearchSpace, candidates: list[dict], X: pd.DataFrame, y: np.ndarray):
        """Fit the model alone on each fold's shared preparation; failed folds fail every candidate."""
        prefix, model = space.pipeline[:-1], space.pipeline.steps[-1][1]
        splits, folds = self._prepared_folds(prefix, X, y)
        for si in range(len(splits)):
            fold = folds[si]
            if fold["error"]:
                for ci in range(len(candidates)):
                    yield {"key": (ci, si), "score": float("nan"), "fit_time": fold["fit_time"],
                           "error": fold["error"], "warnings": fold["warnings"]}
        ok = [si for si in range(len(splits)) if not folds[si]["error"]]
        light = {si: {"fit_time": folds[si]["fit_time"], "warnings": folds[si]["warnings"]} for si in ok}
        tasks = (
            ((ci, si), model, {k.removeprefix("model__"): v for k, v in c.items()},
             folds[si]["train"], y[splits[si][0]], folds[si]["test"], y[splits[si][1]], self.scoring, light[si])
            for ci, c in enumerate(candidates) for si in ok
        )
        stream = self.executor.map_unordered(_fit_model_and_score, tasks)
        try:
            yield from stream
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()

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
