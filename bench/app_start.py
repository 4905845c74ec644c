"""The app as a user meets it: cold start to the first rendered page, and the Monitor page with
50 logged batches, both timed in a real browser (Debian's chromium driven by Playwright).

    python -m bench.app_start [--quick] [--repeat 3]

"Cold start" runs from launching ``streamlit run app.py`` to the Data page's heading and the
sample's profile being drawn in the browser; "Monitor" from opening /monitor to its drift
chart being drawn with no run in progress (overview computed on a cold cache, since each
repeat starts a new server). There is no bare library to compare with; the figures are printed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import Row, monitored_store, standalone

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
IDLE = ("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(home: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "MODELOPS_HOME": home, "MODELOPS_N_JOBS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("streamlit did not start within 120 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _one_round(browser, home: str) -> tuple[float, float]:
    """Seconds to the first rendered page from launching the server, and to the Monitor page."""
    started = time.perf_counter()
    proc, url = _start(home)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        main = page.locator('[data-testid="stMain"]')
        main.get_by_role("heading", name="Data", exact=True).wait_for(timeout=120_000)
        main.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=120_000)
        page.wait_for_function(IDLE, timeout=120_000)
        cold = time.perf_counter() - started

        opened = time.perf_counter()
        page.goto(url + "/monitor")
        main.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=300_000)
        page.wait_for_function(IDLE, timeout=300_000)
        monitor = time.perf_counter() - opened
        page.close()
        return cold, monitor
    finally:
        _stop(proc)


def run(quick: bool, repeat: int) -> list[Row]:
    batches, rows = (5, 1_000) if quick else (50, 200_000)
    if not Path(CHROMIUM).exists():
        note = "skipped: Debian chromium is not installed (apt-get install chromium)"
        return [Row("app cold start", "streamlit run app.py to the Data page drawn", note=note),
                Row("app Monitor page", f"Monitor with {batches} batches", note=note)]
    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="bench-app-")
    previous = os.environ.get("MODELOPS_HOME")
    try:
        monitored_store(home, rows, batches, train_rows=2_000 if quick else 20_000)
        colds, monitors = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for _ in range(max(1, repeat if not quick else 1)):
                cold, monitor = _one_round(browser, home)
                colds.append(cold)
                monitors.append(monitor)
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("MODELOPS_HOME", None)
        else:
            os.environ["MODELOPS_HOME"] = previous
        shutil.rmtree(home, ignore_errors=True)
    import statistics

    n = len(colds)
    return [
        Row("app cold start", f"`streamlit run app.py` to the Data page and sample profile drawn in chromium (median of {n})",
            ours_value=statistics.median(colds), note="includes Python imports and the server start"),
        Row("app Monitor page", f"open /monitor with {batches} batches, {rows:,} logged rows, to the drift chart drawn "
            f"(cold cache, median of {n})", ours_value=statistics.median(monitors)),
    ]


def main(argv: list[str] | None = None) -> None:
    standalone(run, "python -m bench.app_start", "5 batches of 200 rows, one round", argv)


if __name__ == "__main__":
    main()
