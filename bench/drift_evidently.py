"""Data drift of 25 columns against Evidently's DataDriftPreset on the same frames.

    python -m bench.drift_evidently [--quick] [--repeat 3]

Reference and current are ``loan_frame(100_000, seed=1)`` and ``loan_frame(100_000, seed=2,
shift=0.5)`` without the target: 20 numeric columns (3 shifted) and 5 categorical ones. Ours is
``core.monitoring.drift.column_drift`` with its default tests; against is Evidently's
``DataDriftPreset`` (``Report.run``), which needs pandas < 3 and therefore runs in its own
virtual environment, ``~/.cache/modelops-bench/evidently-venv`` (``MODELOPS_BENCH_CACHE``
moves it). The suite creates that venv on its first full run (``python -m venv``, then pip
installs :data:`EVIDENTLY` and ``pandas<3``), times the creation separately and reuses the venv
afterwards. The frames go to Parquet in a temporary folder; ``bench/evidently_side.py`` runs in
the venv, times the preset (median of ``repeat`` runs, imports and file reading excluded) and
Evidently's bare stattest functions on the same columns, and writes per column the test it
chose, its score and drift flag.

The row compares: the time ratio (target: ours at least 10x faster than the preset), the test
chosen per column, and the scores (equal to 1e-9). ``--quick`` uses 5,000 rows a side and never
creates the venv: without one it skips Evidently and says so. Nothing here raises when the venv
cannot be made (no network, pip failing): the row says why it was skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import Row, loan_frame, median_time, standalone

EVIDENTLY = "evidently==0.7.23"  # the version this comparison was verified against
PANDAS = "pandas<3"
SIDE_SCRIPT = Path(__file__).with_name("evidently_side.py")
READY = ".modelops-ready.json"  # written last: a venv without it is half-made and rebuilt
INSTALL_TIMEOUT_S = 900
SIDE_TIMEOUT_S = 1800
TOLERANCE = 1e-9
TARGET_RATIO = 10.0


def _env() -> dict[str, str]:
    # Nothing of this repository on the venv's path, and no usage reporting from Evidently.
    return {**os.environ, "PYTHONPATH": "", "DO_NOT_TRACK": "1"}


def venv_dir() -> Path:
    cache = os.environ.get("MODELOPS_BENCH_CACHE") or Path.home() / ".cache" / "modelops-bench"
    return Path(cache) / "evidently-venv"


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _last_line(text: str | bytes | None) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


def ensure_venv(create: bool) -> tuple[Path | None, dict]:
    """Evidently's venv, reused when ready, else made when ``create``.

    Returns (its python or None, info): info holds ``created`` (made by this call),
    ``create_s`` (seconds the creation took, recorded when it was made), ``evidently`` and
    ``pandas`` versions, or ``error`` saying why there is no venv.
    """
    venv = venv_dir()
    python, ready = _python(venv), venv / READY
    if ready.exists() and python.exists():
        try:
            info = json.loads(ready.read_text())
            return python, {**info, "created": False}
        except (OSError, ValueError):
            pass  # an unreadable marker: rebuild
    if not create:
        return None, {"error": "absent"}
    start = time.perf_counter()
    try:
        if venv.exists():
            shutil.rmtree(venv)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True,
                       timeout=INSTALL_TIMEOUT_S)
        # Short socket timeout and few retries: offline, pip fails in about a minute, not fifteen.
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--timeout", "30",
                        "--retries", "2", EVIDENTLY, PANDAS],
                       check=True, capture_output=True, timeout=INSTALL_TIMEOUT_S, env=_env())
        out = subprocess.run([str(python), "-c", "import evidently, pandas, pyarrow; "
                              "print(evidently.__version__, pandas.__version__)"],
                             check=True, capture_output=True, text=True, timeout=600, env=_env())
    except subprocess.CalledProcessError as exc:
        error = f"{' '.join(map(str, exc.cmd[:4]))} failed: {_last_line(exc.stderr or exc.stdout)}"
    except subprocess.TimeoutExpired as exc:
        error = f"{' '.join(map(str, exc.cmd[:4]))} took over {exc.timeout:.0f} s"
    except OSError as exc:
        error = f"cannot make the venv at {venv}: {exc}"
    else:
        error = None
    if error:
        shutil.rmtree(venv, ignore_errors=True)  # a half-made venv would only be rebuilt next time
        return None, {"error": error}
    evidently_version, pandas_version = out.stdout.split()[:2]
    info = {"create_s": round(time.perf_counter() - start, 1), "evidently": evidently_version,
            "pandas": pandas_version, "made_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    ready.write_text(json.dumps(info))
    return python, {**info, "created": True}


def frames(rows: int):
    """Reference and current of the benchmark (the target dropped) and each column's kind."""
    reference = loan_frame(rows, seed=1).drop(columns="target")
    current = loan_frame(rows, seed=2, shift=0.5).drop(columns="target")
    kinds = {c: "numeric" if pd.api.types.is_numeric_dtype(reference[c]) else "categorical" for c in reference}
    return reference, current, kinds


def run_evidently(python: Path, reference, current, kinds: dict[str, str], repeat: int) -> dict:
    """Evidently's figures from bench/evidently_side.py run by the venv's ``python``."""
    with tempfile.TemporaryDirectory(prefix="bench-drift-") as tmp:
        ref_path, cur_path, out_path = (Path(tmp) / n for n in ("reference.parquet", "current.parquet", "out.json"))
        reference.to_parquet(ref_path, index=False)
        current.to_parquet(cur_path, index=False)
        numeric = ",".join(c for c, k in kinds.items() if k == "numeric")
        categorical = ",".join(c for c, k in kinds.items() if k == "categorical")
        # Run from the temp folder: Evidently must not see (or write into) this repository.
        subprocess.run([str(python), str(SIDE_SCRIPT), str(ref_path), str(cur_path), str(out_path),
                        "--numeric", numeric, "--categorical", categorical, "--repeat", str(repeat)],
                       check=True, capture_output=True, text=True, cwd=tmp, timeout=SIDE_TIMEOUT_S, env=_env())
        return json.loads(out_path.read_text())


def compare(ours, theirs: dict) -> dict:
    """Per column test names, scores and drift flags of ours against Evidently's preset."""
    by_column = {c.column: c for c in ours.columns}
    test_mismatches, flag_mismatches, diffs, flags_compared = [], [], {}, 0
    for column, e in theirs["columns"].items():
        o = by_column.get(column)
        if o is None:
            test_mismatches.append(f"{column}: not tested by us, {e['test']} by Evidently")
            continue
        if o.test != e["test"]:
            test_mismatches.append(f"{column}: ours {o.test}, Evidently {e['test']}")
            continue  # different tests: their scores are not comparable
        diffs[column] = abs(o.score - e["score"])
        flags_compared += e["drifted"] is not None
        if e["drifted"] is not None and o.drifted != e["drifted"]:
            flag_mismatches.append(f"{column}: ours {o.drifted}, Evidently {e['drifted']}")
    test_mismatches += [f"{c}: tested by us only ({by_column[c].test})"
                        for c in by_column if c not in theirs["columns"]]
    worst = max(diffs, key=diffs.get) if diffs else None
    return {"test_mismatches": test_mismatches, "flag_mismatches": flag_mismatches,
            "max_abs_diff": diffs[worst] if worst else None, "max_abs_diff_column": worst,
            "compared": len(diffs), "flags_compared": flags_compared}


def run(quick: bool, repeat: int) -> list[Row]:
    from core.monitoring.drift import column_drift

    rows = 5_000 if quick else 100_000
    reference, current, kinds = frames(rows)
    n_num = sum(k == "numeric" for k in kinds.values())
    size = f"{rows:,} vs {rows:,} rows, {n_num} numeric + {len(kinds) - n_num} categorical, 3 shifted"
    ours_runs: list[float] = []

    def time_ours():
        # median_time one call at a time, so every run is kept: ours is timed before and after
        # Evidently's side and the median taken over both, as the machine's load may change.
        for _ in range(max(1, repeat)):
            seconds, result = median_time(lambda: column_drift(reference, current, kinds), 1)
            ours_runs.append(seconds)
        return result

    ours = time_ours()
    ours_s = statistics.median(ours_runs)
    tests = sorted({c.test for c in ours.columns})
    row = Row(path=f"drift: {size}", ours=f"column_drift, default tests ({', '.join(tests)})",
              against=f"Evidently DataDriftPreset ({EVIDENTLY})", ours_value=ours_s,
              target=f"ours >= {TARGET_RATIO:g}x faster; same test per column; scores within {TOLERANCE:g}",
              details={"ours_drifted_columns": ", ".join(ours.drifted_columns) or "none",
                       "ours_dataset_drift": ours.dataset_drift})

    python, venv = ensure_venv(create=not quick)
    if python is None:
        row.note = ("skipped Evidently: run the full suite once to create Evidently's venv" if venv["error"] == "absent"
                    else f"skipped Evidently: no venv ({venv['error']})")
        return [row]
    made = "made by this run" if venv["created"] else f"made {venv.get('made_at', '?')}, reused"
    row.details.update({"venv": f"{venv_dir()} ({made})", "venv_create_s": venv.get("create_s"),
                        "evidently_pandas": venv.get("pandas")})
    try:
        theirs = run_evidently(python, reference, current, kinds, repeat)
    except subprocess.CalledProcessError as exc:
        row.note = f"skipped Evidently: bench/evidently_side.py failed: {_last_line(exc.stderr)}"
        return [row]
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        row.note = f"skipped Evidently: {type(exc).__name__}: {exc}"
        return [row]

    time_ours()
    ours_s = row.ours_value = statistics.median(ours_runs)
    cmp = compare(ours, theirs)
    ratio = theirs["preset_s"] / ours_s
    same_scores = cmp["max_abs_diff"] is not None and cmp["max_abs_diff"] <= TOLERANCE
    row.against_value, row.ratio = theirs["preset_s"], f"{ratio:.1f}x"
    row.met = ratio >= TARGET_RATIO and not cmp["test_mismatches"] and same_scores and not cmp["flag_mismatches"]
    flags = ("n/a (not found in Evidently's result)" if cmp["flags_compared"] == 0 else "agree"
             if not cmp["flag_mismatches"] else "differ: " + "; ".join(cmp["flag_mismatches"]))
    diff = "n/a" if cmp["max_abs_diff"] is None else f"{cmp['max_abs_diff']:.1e} ({cmp['max_abs_diff_column']})"
    notes = [f"{'same' if not cmp['test_mismatches'] else 'DIFFERENT'} tests on {cmp['compared']}/{len(kinds)} columns",
             f"max abs score diff {diff}",
             f"drift flags {flags}",
             f"Evidently's bare stattests {theirs['stattests_s']:.3f} s ({theirs['stattests_s'] / ours_s:.1f}x ours)",
             f"venv creation {venv.get('create_s', '?')} s ({made}), not in the ratio"]
    if cmp["test_mismatches"]:
        notes.insert(1, "mismatches: " + "; ".join(cmp["test_mismatches"]))
    row.note = "; ".join(notes)
    row.details.update({
        "evidently": theirs["evidently"],
        "ours_runs_s": ", ".join(f"{t:.3f}" for t in ours_runs)
                       + f" (median of {len(ours_runs)}: before and after Evidently)",
        "preset_runs_s": ", ".join(f"{t:.3f}" for t in theirs["preset_runs"]),
        "evidently_stattests_s": theirs["stattests_s"],
        "test_mismatches": "; ".join(cmp["test_mismatches"]) or "none",
        "max_abs_score_diff": cmp["max_abs_diff"], "max_abs_score_diff_column": cmp["max_abs_diff_column"],
        "evidently_drifted_columns": ", ".join(c for c, e in theirs["columns"].items() if e["drifted"]) or "none",
        "evidently_preset_vs_its_bare_stattests": "same tests and scores (within 1e-12)" if all(
            e["test"] == e["bare_test"] and abs(e["score"] - e["bare_score"]) <= 1e-12
            for e in theirs["columns"].values()) else "differ"})
    return [row]


def main(argv: list[str] | None = None) -> None:
    standalone(run, "python -m bench.drift_evidently", "5,000 rows a side; never creates the venv", argv)


if __name__ == "__main__":
    main()
