"""The dashboard as a user sees it: ``python -m sixg.dashboard`` on loopback, each view loaded in headless Chromium.

Set ``SIXG_SCREENSHOTS=DIR`` to also keep the screenshots (small palette PNGs) in DIR;
the README's come from ``SIXG_SCREENSHOTS=docs/screenshots pytest tests/test_dashboard_browser.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="headless browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)",
    ),
]

# What each view must show once its script has run: (query value, header, texts on the page).
VIEWS = [
    ("traces", "Network traces", ["UE map", "Actions and degradations", "active slice", "seed 51 (benchmark)"]),
    ("trajectories&run=validate-ns3/mapek", "Trajectory inspector", ["Intent:", "Judged on ns-3", "Steps", "Surrogate and ns-3, window by window"]),
    ("benchmark", "Benchmark and validation", ["Table I: success rate (%) per tier and domain", "Table III: surrogate vs ns-3", "Pearson r"]),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard():
    """The real command serving the committed trace corpus and sample runs; stopped after the module."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "sixg.dashboard", "data/traces", "tests/data/sample-runs", "--port", str(port)]
    server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the dashboard did not start: {server.stdout.read() if server.poll() is not None else 'timeout'}")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by the system chromedriver (no browser download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1400"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _rendered(driver, header: str) -> str:
    """The page's text once the view's header is there and Streamlit has finished running the script."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 90, poll_frequency=0.5)
    wait.until(lambda d: any(h.text == header for h in d.find_elements(By.CSS_SELECTOR, "h2")))
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "canvas, svg.marks"))
    time.sleep(1.0)  # charts draw after their data arrives
    return driver.find_element(By.TAG_NAME, "body").text


def _keep(png: bytes, name: str, tmp_path: Path) -> Path:
    from io import BytesIO

    from PIL import Image

    out_dir = Path(os.environ.get("SIXG_SCREENSHOTS") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    image = Image.open(BytesIO(png)).convert("RGB")
    path = out_dir / f"dashboard-{name}.png"
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("view", "header", "texts"), VIEWS, ids=[v[0].split("&")[0] for v in VIEWS])
def test_each_view_renders_on_committed_data(dashboard, browser, view, header, texts, tmp_path):
    """Each view, opened by its address, shows its header, its content and no error; a screenshot is saved."""
    browser.get(f"{dashboard}/?view={view}")
    text = _rendered(browser, header)
    for expected in texts:
        assert expected in text, f"{expected!r} not on the {view} page"
    from selenium.webdriver.common.by import By

    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'), f"the {view} page shows an exception"
    assert "Traceback" not in text
    shot = _keep(browser.get_screenshot_as_png(), view.split("&")[0], tmp_path)
    assert shot.stat().st_size > 10_000
