"""Peak memory of loading and profiling a CSV, against the size of the table it becomes.

    python -m bench.memory [--quick] [--repeat 3]

A seeded CSV of 1,000,000 rows (``--quick``: 100,000) by 30 columns (``loan_frame``: 20 numeric
columns with 5 % missing cells, 9 eight-level categorical columns and a yes/no target) is written
to a temporary file. Each measurement runs in a fresh Python process so that nothing allocated
earlier counts: it imports everything, notes its resident set size (the baseline), then runs
``core.io.load_csv(path)`` and ``core.profile.profile_frame(frame)`` and reports the process's peak
resident set size (``ru_maxrss``), and, sampled every 2 ms, the peak of its anonymous memory
(``ru_maxrss`` also counts the CSV's pages while pandas' parallel reader maps the file). The same
is done for bare ``pandas.read_csv`` alone. The figure that matters is the peak above the
baseline, set against the loaded DataFrame's own size (``memory_usage(deep=True)``) and against
bare pandas. The budget stated in the README: loading and profiling costs at most 10 % more than
``pandas.read_csv`` alone, and the peak resident size of the 1M x 30 run stays under 1.5 GB.
Not a test: nothing asserts a size.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import SEED, Row, loan_frame, standalone

OVER_BARE = 1.10  # ours / bare read_csv, memory above the baseline
BUDGET_BYTES = 1.5e9  # peak resident size of the full-size run
ROOT = Path(__file__).resolve().parent.parent

# Runs in the child process: argv[1] is the CSV, argv[2] "ours" or "bare".
CHILD = r"""
import json, resource, sys, time
import pandas as pd
from core.io import load_csv
from core.profile import profile_frame

import threading

def rss_now(field="VmRSS:"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0

# ru_maxrss counts file pages mapped into the process too (pandas' parallel reader maps the
# CSV); a sampler keeps the peak of anonymous memory (what the process itself allocated).
anon_peak, stop = [0], threading.Event()
def sample():
    while not stop.is_set():
        anon_peak[0] = max(anon_peak[0], rss_now("RssAnon:"))
        stop.wait(0.002)

path, mode = sys.argv[1], sys.argv[2]
base = rss_now()
anon_base = rss_now("RssAnon:")
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
start = time.perf_counter()
if mode == "ours":
    frame = load_csv(path).frame
    loaded = time.perf_counter()
    profile_frame(frame)
else:
    frame = pd.read_csv(path)
    loaded = time.perf_counter()
done = time.perf_counter()
stop.set()
sampler.join()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"baseline": base, "peak": peak, "frame": int(frame.memory_usage(deep=True).sum()),
                  "anon_above": anon_peak[0] - anon_base,
                  "load_s": loaded - start, "total_s": done - start, "shape": list(frame.shape)}))
"""


def measure(path: str, mode: str) -> dict:
    """Run one fresh child process and return what it measured."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", CHILD, path, mode], capture_output=True, text=True,
                         env=env, cwd=str(ROOT), check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def run(quick: bool, repeat: int) -> list[Row]:
    n = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        path = os.path.join(tmp, "memory.csv")
        loan_frame(n, SEED, numeric=20, categorical=9, missing=0.05).to_csv(path, index=False)
        size = os.path.getsize(path)
        ours = [measure(path, "ours") for _ in range(max(1, repeat))]
        bare = [measure(path, "bare") for _ in range(max(1, repeat))]
    mb = 1e6
    frame = ours[0]["frame"]
    ours_above = _median([{"v": r["peak"] - r["baseline"]} for r in ours], "v")
    bare_above = _median([{"v": r["peak"] - r["baseline"]} for r in bare], "v")
    ours_peak, bare_peak = _median(ours, "peak"), _median(bare, "peak")
    ours_anon, bare_anon = _median(ours, "anon_above"), _median(bare, "anon_above")
    ratio = ours_above / frame
    return [Row(
        path="peak memory of loading and profiling",
        ours=f"load_csv + profile_frame, {n:,} rows x {ours[0]['shape'][1]} cols, fresh process",
        against="pandas.read_csv alone, fresh process",
        ours_value=ours_above / mb, against_value=bare_above / mb, unit="MB",
        ratio=f"{ratio:.2f}x the DataFrame ({ours_above / bare_above:.2f}x bare read_csv)",
        target=f"<= {OVER_BARE:.2f}x bare read_csv; peak RSS <= {BUDGET_BYTES / 1e9:.1f} GB (README budget)",
        met=ours_above <= OVER_BARE * bare_above and (quick or ours_peak <= BUDGET_BYTES),
        note=(f"peak RSS {ours_peak / mb:,.0f} MB (bare {bare_peak / mb:,.0f} MB) over a baseline of "
              f"{_median(ours, 'baseline') / mb:,.0f} MB after imports; of the peak above baseline, "
              f"anonymous memory {ours_anon / mb:,.0f} MB = {ours_anon / frame:.2f}x the DataFrame "
              f"(bare {bare_anon / mb:,.0f} MB), the rest is the CSV mapped while pandas reads it "
              f"on several threads; DataFrame {frame / mb:,.0f} MB; "
              f"CSV file {size / mb:,.0f} MB; load {_median(ours, 'load_s'):.2f} s, "
              f"load + profile {_median(ours, 'total_s'):.2f} s"),
        details={"rows": n, "columns": ours[0]["shape"][1], "csv_bytes": size, "frame_bytes": frame,
                 "ours_peak_rss": ours_peak, "ours_above_baseline": ours_above,
                 "bare_peak_rss": bare_peak, "bare_above_baseline": bare_above,
                 "ours_anon_above_baseline": ours_anon, "bare_anon_above_baseline": bare_anon,
                 "ours_load_s": round(_median(ours, "load_s"), 3),
                 "ours_load_profile_s": round(_median(ours, "total_s"), 3),
                 "bare_load_s": round(_median(bare, "load_s"), 3)},
    )]


def main(argv: list[str] | None = None) -> None:
    standalone(run, "python -m bench.memory", "100,000 rows instead of 1,000,000", argv)


if __name__ == "__main__":
    main()
