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

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, loan_frame, median_time

EVIDENTLY = "evidently==0.7.23"  # the version this comparison was verified against
PANDAS = "pandas<3"
SIDE_SCRIPT = Path(__file__).with_name("evidently_side.py")
READY = ".modelops-ready.json"  # written last: a venv without it is half-made and rebuilt
INSTALL_TIMEOUT_S = 1800
SIDE_TIMEOUT_S = 1800
TOLERANCE = 1e-9
TARGET_RATIO = 10.0


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
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", EVIDENTLY, PANDAS],
                       check=True, capture_output=True, timeout=INSTALL_TIMEOUT_S)
        out = subprocess.run([str(python), "-c", "import evidently, pandas, pyarrow; "
                              "print(evidently.__version__, pandas.__version__)"],
                             check=True, capture_output=True, text=True, timeout=600)
    except subprocess.CalledProcessError as exc:
        return None, {"error": f"{' '.join(map(str, exc.cmd[:4]))} failed: {_last_line(exc.stderr or exc.stdout)}"}
    except subprocess.TimeoutExpired as exc:
        return None, {"error": f"{' '.join(map(str, exc.cmd[:4]))} took over {exc.timeout:.0f} s"}
    except OSError as exc:
        return None, {"error": f"cannot make the venv at {venv}: {exc}"}
    evidently_version, pandas_version = out.stdout.split()[:2]
    info = {"create_s": round(time.perf_counter() - start, 1), "evidently": evidently_version,
            "pandas": pandas_version, "made_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    ready.write_text(json.dumps(info))
    return python, {**info, "created": True}


if __name__ == "__main__" and sys.argv[1:2] == ["--make-venv"]:
    print(ensure_venv(create=True))
