"""End to end in a real browser: Debian's chromium driven by Playwright against `streamlit run app.py`.

A new user's path: the first visit shows the translated navigation, a CSV is uploaded through
the real file input, the target chosen, a model trained, the leaderboard read, the artifact
downloaded and loaded, and a batch scored. A screenshot of every page goes to
test-output/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLE_DATA

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-output" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, isolated_home):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test, but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "MODELOPS_HOME": str(isolated_home), "MODELOPS_N_JOBS": "2"}
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text())
    yield url, isolated_home
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _upload_csv(tmp_path: Path) -> Path:
    """A European-style export of part of the credit data: semicolons and decimal commas."""
    frame = pd.read_csv(SAMPLE_DATA / "credit_default.csv").head(2500)
    path = tmp_path / "kredit_export.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    return path


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _idle(page, timeout=60_000) -> None:
    """Wait until Streamlit has finished the current run (no 'running' indicator)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout)


def _go(page, label: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=label, exact=True).click()
    _idle(page)


def test_upload_train_download_score_in_a_real_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, home = server
    csv_path = _upload_csv(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(url)
        sidebar = page.locator('[data-testid="stSidebar"]')
        for label in ("Data", "Prepare", "Train", "Evaluate", "Deploy", "Score", "Monitor"):
            expect(sidebar.get_by_role("link", name=label, exact=True)).to_be_visible(timeout=60_000)
        expect(sidebar).not_to_contain_text("1 Data")
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
        _idle(page)

        page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(csv_path))
        expect(page.get_by_text("How kredit_export.csv was read")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Numbers use a decimal comma")).to_be_visible()
        target = page.locator('[data-testid="stSelectbox"]').filter(has_text="Target column")
        target.click()
        page.keyboard.type("default")
        page.keyboard.press("Enter")
        _idle(page)
        expect(page.get_by_text("Inferred task: Classification")).to_be_visible(timeout=30_000)
        _shot(page, "1_data")

        _go(page, "Prepare")
        expect(page.get_by_text("Preview of the prepared training data")).to_be_visible(timeout=60_000)
        _shot(page, "2_prepare")

        _go(page, "Train")
        expect(page.get_by_text("This search will run")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Start training").click()
        # The sidebar's status also says "Best model", so read the verdict in the main area only.
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_role("heading", name="Leaderboard")).to_be_visible(timeout=300_000)
        expect(main.get_by_text("Best model:")).to_be_visible()
        _idle(page)
        _shot(page, "3_train")

        _go(page, "Evaluate")
        expect(page.get_by_text("What drives the predictions")).to_be_visible(timeout=60_000)
        _shot(page, "4_evaluate")

        _go(page, "Deploy")
        page.get_by_role("button", name="Save model").click()
        expect(page.get_by_text("Saved and signed")).to_be_visible(timeout=60_000)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download model (.joblib)").click()
        downloaded = tmp_path / "downloaded.joblib"
        info.value.save_as(downloaded)
        _shot(page, "5_deploy")

        _go(page, "Score")
        batch_input = page.locator('[data-testid="stFileUploader"]').filter(has_text="Upload a batch").locator('input[type="file"]')
        batch_input.set_input_files(str(SAMPLE_DATA / "credit_batch.csv"))
        expect(page.get_by_text("Rows scored")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Logged as batch")).to_be_visible()
        _shot(page, "6_score")

        _go(page, "Monitor")
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_text("Drifted features (latest)")).to_be_visible(timeout=60_000)
        expect(main.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=60_000)
        _shot(page, "7_monitor")

        lang = sidebar.locator('[data-testid="stSelectbox"]').first
        lang.click()
        page.get_by_role("option", name="简体中文").click()
        expect(sidebar.get_by_role("link", name="训练", exact=True)).to_be_visible(timeout=30_000)
        _shot(page, "8_monitor_zh")
        browser.close()

    os.environ["MODELOPS_HOME"] = str(home)
    from core.artifact import load_artifact

    art = load_artifact(downloaded)
    assert art.signed and art.metadata["target"] == "default"
    assert art.metadata["training_data"]["load_report"]["delimiter"] == ";"
    assert art.metadata["training_data"]["rows"] == 2500
