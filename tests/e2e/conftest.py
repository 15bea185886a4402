"""Browser fixtures: a `streamlit run` server per test on a free port, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """Debian's Chromium (or CHROMIUM), else None to let Playwright use its own build."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "ORDERS_DB": str(db_path), **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited: " + proc.stdout.read().decode(errors="replace"))
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def server(db_path: Path):
    """The app served on a free port over the test's database copy; yields the base URL."""
    proc, url = start_server(db_path)
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def wait_for_app(pg) -> None:
    """Wait until Streamlit has finished running the page script."""
    pg.wait_for_selector('[data-testid="stApp"]')
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )
    pg.wait_for_timeout(300)


@pytest.fixture
def demo_sql(demo_template: Path):
    """Ask the demo data (as the test's server started with it) a question, read-only.

    The server holds the test's own database file, so tests compute expectations from the
    untouched template it was copied from.
    """
    import duckdb

    def ask(query: str, params: list | None = None):
        con = duckdb.connect(str(demo_template), read_only=True)
        try:
            rows = con.execute(query, params or []).fetchall()
            return rows[0][0] if rows else None
        finally:
            con.close()

    return ask


def open_first_row(pg, grid, url_pattern, attempts: int = 3) -> None:
    """Click the first row of a dataframe that opens a page, and wait for that page's URL.

    A click that lands while the grid is still being drawn (a loaded machine) is lost, so it is
    tried again; a row click that opens the wrong page still fails on the URL.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        grid.scroll_into_view_if_needed()
        pg.wait_for_timeout(300)
        box = grid.bounding_box()
        pg.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
        try:
            pg.wait_for_url(url_pattern, timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
