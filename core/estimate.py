"""How long a search will take, estimated before it starts by timing one fit of each model.

A fit count alone does not tell a user whether to wait or to get coffee: 200 logistic fits take
seconds, 200 forest fits on a million rows take an hour. So each chosen model is fitted once, with
the first candidate of its grid, on a sample of the training rows; that time is scaled by rows to
the size of a cross-validation fit and multiplied by the model's planned fits, and the total is
divided by the workers that will share them. It is a rough guide (fit times grow faster than
linearly for some models, and halving rounds use fewer rows), shown as such.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from core.models import resolve_models
from core.prep import PrepConfig, build_preprocessor, clean_rows, plan_features
from core.profile import profile_frame
from core.search import SearchSpace, halving_schedule, planned_candidates

SAMPLE_ROWS = 2_000


@dataclass
class FitEstimate:
    """The planned fits per model and the estimated wall time of the whole search."""

    fits: dict[str, int]
    seconds: float
    sample_rows: int
    workers: int

    @property
    def total_fits(self) -> int:
        return sum(self.fits.values())


def estimate_search(frame: pd.DataFrame, target: str, *, task: str, prep: PrepConfig | None = None,
                    search=None, sample_rows: int = SAMPLE_ROWS) -> FitEstimate:
    """Time one fit per model on at most ``sample_rows`` rows and scale it to the whole search.

    ``task`` is "classification", "regression" or "auto" (as the profile infers); ``search`` a
    ``core.train.SearchConfig``. Raises the same user errors as training would for bad settings.
    """
    from core.train import SearchConfig  # train imports nothing from here; avoid a cycle at import

    prep = prep or PrepConfig()
    search = search or SearchConfig()
    profile = profile_frame(frame, target)
    if task == "auto":
        task = profile.task.task
    plan = plan_features(profile, prep)
    data, _ = clean_rows(frame, profile.target, plan, prep)
    y = data[profile.target]
    if task == "classification":
        y = y.astype(str)
        n_classes = max(int(y.nunique()), 2)
    else:
        y = pd.to_numeric(y, errors="coerce")
        n_classes = 1
    ok = ~pd.isna(y) & (np.isfinite(y) if task == "regression" else True)
    data, y = data.loc[ok], y[ok]
    n_train = int(len(data) * (1 - search.test_size))
    fit_rows = max(1, n_train * (search.cv - 1) // max(search.cv, 1))
    sample = data.sample(min(sample_rows, len(data)), random_state=search.seed) if len(data) else data
    X_sample, y_sample = sample[plan.columns], y.loc[sample.index]
    pre = build_preprocessor(plan, prep)

    fits: dict[str, int] = {}
    seconds = 0.0
    for spec in resolve_models(task, search.models):
        grid = search.param_grids.get(spec.name) or spec.grid(n_classes)
        candidates = planned_candidates(SearchSpace(spec.name, None, grid), search.strategy, search.n_iter, search.seed)
        first = {k.removeprefix("model__"): v for k, v in candidates[0].items()} if candidates else {}
        if search.strategy == "halving":
            rounds = halving_schedule(len(candidates), n_train, max(10, 2 * search.cv * n_classes))
        else:
            rounds = [(len(candidates), n_train)]
        fits[spec.name] = sum(c for c, _ in rounds) * search.cv + 1
        per_fit = _time_one_fit(pre, spec.factory(search.seed, n_classes), first, X_sample, y_sample)
        scale = lambda rows: per_fit * max(rows * (search.cv - 1) / max(search.cv, 1), 1) / max(len(X_sample), 1)
        seconds += sum(c * search.cv * scale(rows) for c, rows in rounds) + per_fit * n_train / max(len(X_sample), 1)
    workers = _workers(search.n_jobs)
    return FitEstimate(fits=fits, seconds=seconds / workers, sample_rows=len(X_sample), workers=workers)


def _time_one_fit(pre: Pipeline, estimator, params: dict, X: pd.DataFrame, y: pd.Series) -> float:
    """Seconds for one fit of preparation + model; a failing fit counts as free (the search will
    report it), so the estimate never stops the user."""
    if len(X) == 0:
        return 0.0
    try:
        model = clone(estimator).set_params(**params)
    except ValueError:
        model = clone(estimator)
    pipe = Pipeline([("prep", clone(pre)), ("model", model)])
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X, y)
    except Exception:  # noqa: BLE001 - a candidate that fails here fails in the search, reported there
        return 0.0
    return time.perf_counter() - start


def _workers(n_jobs: int | None) -> int:
    cores = os.cpu_count() or 1
    if n_jobs is None:  # as core.execution.LocalExecutor reads it
        n_jobs = int(os.environ.get("MODELOPS_N_JOBS", "0") or 0) or -1
    return max(1, cores if n_jobs < 0 else min(n_jobs, cores))


def duration_parts(seconds: float) -> tuple[str, float]:
    """A duration as (unit, rounded value) for a message: ("few_seconds", 0), ("seconds", 40),
    ("minutes", 12), ("hours", 2.5); the words are the interface's to translate."""
    if seconds < 5:
        return "few_seconds", 0
    if seconds < 90:
        return "seconds", round(seconds, -1 if seconds > 20 else 0)
    if seconds < 5400:
        return "minutes", round(seconds / 60)
    return "hours", round(seconds / 3600, 1)


def describe(estimate: FitEstimate) -> str:
    """One English line for the command line: the fits and the estimated time."""
    unit, n = duration_parts(estimate.seconds)
    words = {"few_seconds": "a few seconds", "seconds": f"about {n:g} seconds",
             "minutes": f"about {n:g} minutes", "hours": f"about {n:g} hours"}[unit]
    return (f"Planned: {estimate.total_fits:,} fits, estimated {words} on {estimate.workers} worker(s) "
            f"(one fit of each model timed on {estimate.sample_rows:,} rows).")
