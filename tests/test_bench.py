"""The benchmark suite's quick mode runs end to end (CI smoke). No time is asserted: only that
every benchmark produced its rows, none failed, and the results file was written."""

import os
import subprocess
import sys

import pytest

from bench.run import BENCHMARKS
from tests.conftest import ROOT


@pytest.mark.slow
def test_quick_bench_runs_every_benchmark_and_writes_results(tmp_path):
    out = tmp_path / "RESULTS.md"
    env = {k: v for k, v in os.environ.items() if k != "MODELOPS_HOME"}
    p = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    text = out.read_text()
    assert "FAILED" not in text and "## Machine" in text and "- cores:" in text
    for name in BENCHMARKS:
        assert f"- {name}:" in text, f"{name} did not run"
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| path")]
    assert len(rows) >= len(BENCHMARKS)
