"""Evidently's side of bench/drift_evidently.py; runs inside Evidently's own venv (pandas < 3).

    python evidently_side.py REFERENCE.parquet CURRENT.parquet OUT.json --numeric a,b --categorical c,d
                             [--repeat 3]

Reads the two frames, then times (median of ``--repeat`` runs; imports and file reading are not
timed):

- ``preset_s``: ``Report([DataDriftPreset()]).run(current, reference)`` on ``Dataset`` objects
  built inside the timed call from the frames, with the column kinds given (as a user would);
- ``stattests_s``: Evidently's bare default test functions on the same columns (missing and
  infinite values dropped as its column drift does), for a like-with-like figure.

Writes JSON: versions, both times (median and each run) and per column the test the preset
chose, its score (a p-value or a distance), threshold and drift flag, and the bare test's
score and time (the preset's time is not split by column: it is one calculation). Depends on
nothing from this repository: the venv has no project installed.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time


def _timed(fn, repeat: int):
    times, result = [], None
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def _split(text: str) -> list[str]:
    return [c for c in text.split(",") if c]


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("reference")
    p.add_argument("current")
    p.add_argument("out")
    p.add_argument("--numeric", default="")
    p.add_argument("--categorical", default="")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)

    import numpy as np
    import pandas as pd
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests, get_stattest
    from evidently.legacy.core import ColumnType
    from evidently.presets import DataDriftPreset

    reference = pd.read_parquet(args.reference)
    current = pd.read_parquet(args.current)
    numeric, categorical = _split(args.numeric), _split(args.categorical)
    columns = numeric + categorical

    def preset():
        definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
        ref = Dataset.from_pandas(reference, data_definition=definition)
        cur = Dataset.from_pandas(current, data_definition=definition)
        return Report([DataDriftPreset()]).run(cur, ref)

    column_times = {c: [] for c in columns}

    def bare():
        out = {}
        for column in columns:
            start = time.perf_counter()
            kind = ColumnType.Numerical if column in numeric else ColumnType.Categorical
            ref = reference[column].replace([-np.inf, np.inf], np.nan).dropna()
            cur = current[column].replace([-np.inf, np.inf], np.nan).dropna()
            test = get_stattest(ref, cur, kind, None)
            res = test(ref, cur, kind, None)
            out[column] = (test.name, float(res.drift_score), bool(res.drifted), float(res.actual_threshold))
            column_times[column].append(time.perf_counter() - start)
        return out

    preset_s, preset_runs, snapshot = _timed(preset, args.repeat)
    stattests_s, stattests_runs, bare_results = _timed(bare, args.repeat)

    # Per column: the ValueDrift metric the preset made (its method shown by display name, its
    # value the score) and the drift flag of the column in the preset's dataset drift result.
    names = {t.display_name: t.name for by_kind in _registered_stat_tests.values() for t in by_kind.values()}
    flags = {}
    for legacy in getattr(snapshot.context, "_legacy_metrics", {}).values():  # private: None if it moves
        result = legacy[0] if isinstance(legacy, tuple) else legacy
        for column, drift in (getattr(result, "drift_by_columns", None) or {}).items():
            flags.setdefault(column, bool(drift.drift_detected))
    per_column = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if not config.get("type", "").endswith(":ValueDrift"):
            continue
        column = config["column"]
        name, bare_score, bare_drifted, bare_threshold = bare_results[column]
        per_column[column] = {
            "test": names.get(config.get("method"), config.get("method")), "score": float(metric["value"]),
            "threshold": config.get("threshold"), "drifted": flags.get(column),
            "bare_test": name, "bare_score": bare_score, "bare_drifted": bare_drifted,
            "bare_threshold": bare_threshold, "bare_s": statistics.median(column_times[column])}

    with open(args.out, "w") as out:
        json.dump({"evidently": evidently.__version__, "pandas": pd.__version__, "numpy": np.__version__,
                   "python": sys.version.split()[0], "rows": [len(reference), len(current)],
                   "preset_s": preset_s, "preset_runs": preset_runs,
                   "stattests_s": stattests_s, "stattests_runs": stattests_runs,
                   "columns": per_column}, out, indent=1)


if __name__ == "__main__":
    main()
