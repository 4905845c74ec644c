"""Run every benchmark, print one table and write it with the machine's facts to a Markdown file.

    python -m bench                 full sizes, median of 3 runs each -> bench/RESULTS.md
    python -m bench --quick         small sizes, under a minute, for CI -> bench/RESULTS-quick.md
    python -m bench --only ingest,scoring --repeat 5 --out /tmp/r.md

Every row puts our figure beside the bare library (or a peer) doing the same work in the same
run, so a ratio never compares two machines or two moments. A benchmark that fails becomes a row
saying so; the others still run. Nothing here is a test: no time is asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path

from bench.common import Row

HERE = Path(__file__).resolve().parent
# Module name -> what it measures; the order follows the data's way through the product.
BENCHMARKS = {
    "ingest": "CSV ingest with detection",
    "memory": "peak memory of loading and profiling",
    "training": "train + grid search; successive halving vs grid",
    "scoring": "batch scoring with contract check and logging",
    "drift_evidently": "drift against Evidently's DataDriftPreset",
    "monitoring_overview": "monitoring overview over the store",
    "app_start": "app cold start and Monitor page in a browser",
}
PACKAGES = ("numpy", "pandas", "scikit-learn", "scipy", "pyarrow", "joblib", "streamlit", "sqlalchemy",
            "charset-normalizer", "plotly")


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": ", ".join(versions),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit in ("MB", "MiB"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.4g} {unit}"


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "-"}[met]


def judged(rows: list[Row], quick: bool) -> list[Row]:
    """In quick mode the sizes are far below the targets' sizes, where fixed costs dominate:
    keep the figures, but do not call a target met or missed on them."""
    if not quick:
        return rows
    for r in rows:
        if r.met is not None and not r.note.startswith("FAILED"):
            r.met = None
            r.target = f"{r.target} (judged at full size only)"
    return rows


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (also readable as plain text)."""
    head = "| path | ours | against | ours | against | ratio | target | verdict | note |\n" \
           "|---|---|---|---|---|---|---|---|---|\n"
    lines = [f"| {r.path} | {r.ours} | {r.against} | {_fmt(r.ours_value, r.unit)} | "
             f"{_fmt(r.against_value, r.unit)} | {r.ratio} | {r.target} | {_verdict(r.met)} | "
             f"{r.note.replace('|', '/')} |" for r in rows]
    return head + "\n".join(lines) + "\n"


def run_all(names: list[str], quick: bool, repeat: int) -> tuple[list[Row], dict[str, float]]:
    rows: list[Row] = []
    durations: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        print(f"[bench] {name}: {BENCHMARKS[name]} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            rows.extend(module.run(quick=quick, repeat=repeat))
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            rows.append(Row(BENCHMARKS[name], f"bench/{name}.py", met=False,
                            note=f"FAILED: {type(exc).__name__}: {exc}"))
        durations[name] = time.perf_counter() - started
    return rows, durations


def write_results(path: Path, rows: list[Row], durations: dict[str, float], quick: bool, repeat: int) -> None:
    facts = machine()
    mode = "quick (small sizes, CI smoke)" if quick else "full"
    parts = [
        "# Benchmark results", "",
        f"Written by `python -m bench{' --quick' if quick else ''}` on {facts['date']}; mode: {mode}; "
        f"each figure is the median of {repeat} runs unless its row says otherwise.", "",
        "## Machine", "",
        *[f"- {k}: {v}" for k, v in facts.items() if k != "date"], "",
        "## Results", "",
        table(rows),
        "## Details", "",
    ]
    for r in rows:
        if r.details:
            parts.append(f"### {r.path}")
            parts.append("")
            parts.extend(f"- {k}: {v}" for k, v in r.details.items())
            parts.append("")
    parts.append("## Time each benchmark took (including building its data)")
    parts.append("")
    parts.extend(f"- {name}: {secs:.0f} s" for name, secs in durations.items())
    parts.append("")
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute (CI smoke)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (default 3, quick 1)")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", default=None, help="Markdown file to write (default bench/RESULTS.md, "
                                                    "quick: bench/RESULTS-quick.md)")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    repeat = args.repeat or (1 if args.quick else 3)
    os.environ.setdefault("MODELOPS_N_JOBS", str(os.cpu_count() or 1))
    rows, durations = run_all(names, args.quick, repeat)
    rows = judged(rows, args.quick)
    print(table(rows))
    out = Path(args.out) if args.out else HERE / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    write_results(out, rows, durations, args.quick, repeat)
    print(f"written to {out}")
    return 1 if any(r.note.startswith("FAILED") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
