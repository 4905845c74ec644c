"""Monitoring overview over a large prediction log, against pyarrow reading the same columns.

    python -m bench.monitoring_overview [--rows 1000000] [--batches 50] [--repeat 3]

Builds a throw-away store: a model trained on generated loan data (20 numeric and 5 categorical
features), then ``--batches`` logged batches totalling ``--rows`` rows, the last third shifted.
It prints the median time of ``core.monitoring.overview.monitor`` (drift of every feature and
of the predictions for every batch, quality, performance, alerts) and of reading the columns
it needs with pyarrow alone, and their ratio. Not a test: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq


def frame(rng, n: int, shift: float = 0.0) -> pd.DataFrame:
    cols = {f"num_{i}": rng.normal(shift if i < 3 else 0.0, 1.0, n) for i in range(20)}
    for i in range(5):
        cols[f"cat_{i}"] = rng.choice(list("abcdefgh"), n)
    out = pd.DataFrame(cols)
    logit = out["num_0"] + 0.5 * out["num_1"] - (out["cat_0"] == "a") * 1.0
    out["target"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--batches", type=int, default=50)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    home = tempfile.mkdtemp(prefix="bench-monitor-")
    os.environ["MODELOPS_HOME"] = home
    os.environ.setdefault("MODELOPS_N_JOBS", "2")

    from core import store as st
    from core.artifact import save_trained_model
    from core.evaluate import evaluate_training
    from core.monitoring.overview import monitor
    from core.schema import drift_kinds
    from core.scoring import score_and_log
    from core.train import SearchConfig, train

    rng = np.random.default_rng(0)
    data = frame(rng, 20_000)
    result = train(data, "target", search=SearchConfig(models=["logistic_regression"], cv=3,
                                                       param_grids={"logistic_regression": {"C": [1.0]}}))
    path = save_trained_model(f"{home}/m.joblib", result, evaluate_training(result, importance_repeats=1))
    store = st.Store(home)
    version = store.register_model(path)
    per = args.rows // args.batches
    t0 = time.perf_counter()
    for b in range(args.batches):
        batch = frame(rng, per, shift=0.5 if b >= 2 * args.batches // 3 else 0.0).drop(columns="target")
        score_and_log(store, version, batch, name=f"batch{b:02d}.csv")
    log_s = time.perf_counter() - t0

    ours = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        ov = monitor(store, version, record_alerts=False)
        ours.append(time.perf_counter() - t)
    kinds = list(drift_kinds(version.metadata["features"]))
    cols = [st.PREDICTION_ID, st.PREDICTION, *[c for c in pq.read_schema(store.home / store.list_batches(version)[0].path).names
                                               if c.startswith(st.PROBA_PREFIX)], *kinds]
    bare = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        for b in store.list_batches(version):
            pq.read_table(store.home / b.path, columns=cols).to_pandas()
        bare.append(time.perf_counter() - t)
    o, r = statistics.median(ours), statistics.median(bare)
    drifted = int(ov.batches["dataset_drift"].sum())
    print(f"log: {args.rows:,} rows in {args.batches} batches, {len(kinds)} features; logging took {log_s:.1f} s "
          f"({args.rows / log_s:,.0f} rows/s incl. scoring)")
    print(f"monitor overview (median of {args.repeat}): {o:.2f} s; pyarrow reading the same columns: {r:.2f} s; "
          f"ratio {o / r:.1f}x; batches with dataset drift: {drifted} of {args.batches}")


if __name__ == "__main__":
    main()
