"""Monitoring overview over a large prediction log, against pyarrow reading the same columns.

    python -m bench.monitoring_overview [--quick] [--repeat 3] [--rows N] [--batches N]

Builds a throw-away store with ``bench.common.monitored_store``: a logistic model trained on
``loan_frame`` (20 numeric and 5 categorical features), then 1,000,000 logged rows in 50
batches (``--quick``: 50,000 in 10), the last third shifted. Ours is
``core.monitoring.overview.monitor`` (drift of every feature and of the predictions for every
batch, quality, performance, alerts); against is pyarrow reading the columns it needs from every
batch file into pandas. Nothing asserts a time.

Two figures, each the median of ``--repeat`` runs: cold, with the store's per-batch result cache
emptied before every run (what the first look at a model costs), and warm, the cache filled by
an earlier run (what every later look costs, until settings or labels change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

import pyarrow.parquet as pq

from bench.common import Row, median_time, monitored_store

TARGET_S = 3.0


def run(quick: bool, repeat: int, *, rows: int | None = None, batches: int | None = None) -> list[Row]:
    from core import store as st
    from core.monitoring.overview import monitor
    from core.schema import drift_kinds

    rows = rows or (50_000 if quick else 1_000_000)
    batches = batches or (10 if quick else 50)
    os.environ.setdefault("MODELOPS_N_JOBS", "2")
    home = tempfile.mkdtemp(prefix="bench-monitor-")
    try:
        store, version = monitored_store(home, rows, batches)
        records = store.list_batches(version)
        kinds = list(drift_kinds(version.metadata["features"]))
        proba = [c for c in pq.read_schema(store.home / records[0].path).names if c.startswith(st.PROBA_PREFIX)]
        cols = [st.PREDICTION_ID, st.PREDICTION, *proba, *kinds]

        def bare():
            for b in records:
                pq.read_table(store.home / b.path, columns=cols).to_pandas()

        def cold():
            store.clear_monitoring_cache(version)
            return monitor(store, version, record_alerts=False)

        against, _ = median_time(bare, repeat)
        cold_s, ov = median_time(cold, repeat)
        monitor(store, version, record_alerts=False)  # fills the cache
        warm_s, warm_ov = median_time(lambda: monitor(store, version, record_alerts=False), repeat)
        drifted = int(ov.batches["dataset_drift"].sum())
        same = ov.batches.equals(warm_ov.batches) and ov.feature_drift.equals(warm_ov.feature_drift)
        store.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    size = f"{rows:,} logged rows in {batches} batches, {len(kinds)} features"
    note = f"{drifted} of {batches} batches with dataset drift; warm results identical to cold: {same}"
    return [
        Row(path="monitoring overview (cold: no cached results)", ours=f"monitor(), {size}",
            against=f"pyarrow read_table + to_pandas of the same {len(cols)} columns", ours_value=cold_s,
            against_value=against, ratio=f"{cold_s / against:.1f}x", target=f"< {TARGET_S:g} s (cold)",
            met=cold_s < TARGET_S, note=note, details={"cold_s": round(cold_s, 3), "bare_s": round(against, 3)}),
        Row(path="monitoring overview (warm: per-batch results cached)", ours=f"monitor() again, {size}",
            against=f"pyarrow read_table + to_pandas of the same {len(cols)} columns", ours_value=warm_s,
            against_value=against, ratio=f"{warm_s / against:.1f}x", target=f"< {TARGET_S:g} s (warm)",
            met=warm_s < TARGET_S, note=note, details={"warm_s": round(warm_s, 3), "bare_s": round(against, 3)}),
    ]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.monitoring_overview", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="50,000 rows in 10 batches instead of 1,000,000 in 50")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--batches", type=int, default=None)
    args = p.parse_args(argv)
    for r in run(args.quick, args.repeat, rows=args.rows, batches=args.batches):
        print(f"{r.path}: {r.ours_value:.2f} s ({r.ours}); pyarrow alone {r.against_value:.2f} s; ratio {r.ratio}; "
              f"target {r.target}: {'met' if r.met else 'MISSED'}; {r.note}")


if __name__ == "__main__":
    main()
