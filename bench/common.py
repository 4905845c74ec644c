"""What every benchmark shares: a result row, a median timer and seeded generated data.

Each benchmark module exposes ``run(quick: bool, repeat: int) -> list[Row]``; ``bench.run``
collects the rows, prints them as a table and writes ``bench/RESULTS.md``. A row always
carries the bare library's figure from the same run, so a ratio never compares two machines.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

SEED = 0


@dataclass
class Row:
    """One line of the results table.

    ``ours`` and ``against`` are what ran (with sizes); ``ours_value``/``against_value`` the
    median figures in ``unit``; ``ratio`` a free-text ratio (e.g. "1.02x"); ``target`` the
    issue's target in words; ``met`` True/False, or None when there is no target or the row was
    skipped; ``note`` anything a reader needs (why it misses, why it was skipped).
    """

    path: str
    ours: str
    against: str = "-"
    ours_value: float | None = None
    against_value: float | None = None
    unit: str = "s"
    ratio: str = "-"
    target: str = "-"
    met: bool | None = None
    note: str = ""
    details: dict = field(default_factory=dict)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls of ``fn`` and the last call's result."""
    times, result = [], None
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def loan_frame(n: int, seed: int = SEED, *, numeric: int = 20, categorical: int = 5,
               missing: float = 0.0, shift: float = 0.0, shifted: int = 3) -> pd.DataFrame:
    """Generated loan-like data: ``numeric`` normal columns (the first ``shifted`` moved by
    ``shift``), ``categorical`` 8-level columns, an optional share of missing numeric cells and a
    binary ``target`` that depends on a few of them."""
    rng = np.random.default_rng(seed)
    cols = {f"num_{i}": rng.normal(shift if i < shifted else 0.0, 1.0, n) for i in range(numeric)}
    for i in range(categorical):
        cols[f"cat_{i}"] = rng.choice(list("abcdefgh"), n)
    out = pd.DataFrame(cols)
    logit = out["num_0"] + 0.5 * out["num_1"] - (out.get("cat_0") == "a") * 1.0 if categorical else out["num_0"]
    out["target"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    if missing:
        for i in range(numeric):
            out.loc[rng.random(n) < missing, f"num_{i}"] = np.nan
    return out


def monitored_store(home: str, rows: int, batches: int, seed: int = SEED, train_rows: int = 20_000):
    """A throw-away store at ``home`` holding one logistic model trained on ``loan_frame`` and
    ``batches`` logged batches totalling ``rows`` rows, the last third shifted (drift to find).

    Returns ``(store, version)``. Sets ``MODELOPS_HOME`` so that everything started from here
    (the app, the CLI) opens the same store.
    """
    import os

    os.environ["MODELOPS_HOME"] = home
    from core import store as st
    from core.artifact import save_trained_model
    from core.evaluate import evaluate_training
    from core.scoring import score_and_log
    from core.train import SearchConfig, train

    result = train(loan_frame(train_rows, seed), "target",
                   search=SearchConfig(models=["logistic_regression"], cv=3,
                                       param_grids={"logistic_regression": {"C": [1.0]}}))
    path = save_trained_model(f"{home}/bench-model.joblib", result, evaluate_training(result, importance_repeats=1))
    store = st.Store(home)
    version = store.register_model(path)
    per = max(1, rows // batches)
    for b in range(batches):
        shift = 0.5 if b >= 2 * batches // 3 else 0.0
        batch = loan_frame(per, seed + 1 + b, shift=shift).drop(columns="target")
        score_and_log(store, version, batch, name=f"batch{b:02d}.csv")
    return store, version


def standalone(run: Callable[..., list[Row]], prog: str, quick_help: str, argv: list[str] | None = None) -> None:
    """``python -m bench.<name> [--quick] [--repeat N]``: one benchmark's rows, printed as the
    suite prints them (``python -m bench --only <name>`` does the same and writes RESULTS.md)."""
    import argparse

    from bench.run import table

    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = run(args.quick, args.repeat)
    print(table(rows))
    for r in rows:
        for key, value in r.details.items():
            print(f"  {r.path} / {key}: {value}")
