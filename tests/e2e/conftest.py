"""Browser fixtures: a `streamlit run` server per test module on a free port, and headless Chromium, signed in.

``server`` is shared by the tests of one module: started once, over a copy of the demo the module's tests
only read. A test that changes the database (an archive, a picking list, a staff change, a new order) is
marked ``@pytest.mark.own_server``: its ``server`` is then one of its own, over the test's own copy
(``db_path``), started for it and stopped after it, so no other test sees what it wrote.

Every server signs in through this test process's demo OpenID provider (``oidc-provider-mock``, started
on first use, one per process). Signing in is done for real once per person and process, on a server
of its own; its identity cookie (signed with the shared demo cookie secret, and sent to every port of
127.0.0.1) is then given to each test's browser context: ``page`` is the demo CSR, ``page_as(person)``
anyone else.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from orders_core.rules.roles import Person
from orders_core.serve import DEMO_PEOPLE, answers, start_demo_provider, write_demo_secrets
from orders_core.staff.members import DEMO_STAFF

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


DEMO = {p.role: p for p in DEMO_STAFF}
CSR, FULFILLMENT, MANAGER, ADMIN = (DEMO[r] for r in ("CSR", "Fulfillment Associate", "Operations Manager",
                                                      "Administrator"))
_DEMO_AUTH: dict[str, Path] = {}
# Someone the identity provider knows but the staff list does not (the demo provider signs in only the people
# it is given: the tests' provider also knows this one).
STRANGER = "stranger@example.com"


def demo_auth_secrets() -> Path:
    """The secrets file pointing Streamlit at this process's demo provider (started on first use)."""
    if "secrets" not in _DEMO_AUTH:
        proc, provider_url = start_demo_provider(people=[*DEMO_PEOPLE, (STRANGER, "Eve Stranger")])
        atexit.register(stop_server, proc)
        folder = Path(tempfile.mkdtemp(prefix="orders-demo-auth-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _DEMO_AUTH["secrets"] = write_demo_secrets(folder / "secrets.toml", provider_url, "127.0.0.1")
    return _DEMO_AUTH["secrets"]


def start_server(db_path: Path | str, extra_env: dict | None = None,
                 log_dir: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free port over ``db_path`` (a DuckDB file, or a ``postgresql://`` URL
    with ``log_dir`` for the server log); returns the process and its base URL once it is healthy."""
    port = _free_port()
    env = {**os.environ, "ORDERS_DB": str(db_path), **(extra_env or {})}
    log = (log_dir or Path(db_path).parent) / "server.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--secrets.files", str(demo_auth_secrets())],
        cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    if answers(proc, url + "/_stcore/health", 60):
        return proc, url
    if proc.poll() is not None:
        raise RuntimeError("streamlit exited: " + log.read_text(errors="replace"))
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def module_server(demo_template: Path, tmp_path_factory):
    """The app served on a free port over a copy of the demo shared by one module's tests; yields the base URL."""
    path = tmp_path_factory.mktemp("module-server") / "orders.duckdb"
    shutil.copy(demo_template, path)
    proc, url = start_server(path)
    yield url
    stop_server(proc)


@pytest.fixture
def server(request):
    """The base URL of the app the test drives: the module's shared server (``module_server``), or for a test
    marked ``own_server`` (it writes) a server of its own over the test's database copy (``db_path``; a
    fixture the test lists before ``server`` may prepare that copy before the server starts)."""
    if request.node.get_closest_marker("own_server") is None:
        yield request.getfixturevalue("module_server")
        return
    proc, url = start_server(request.getfixturevalue("db_path"))
    yield url
    stop_server(proc)


def pytest_collection_modifyitems(config, items):
    """Every test of tests/e2e drives Chromium: a module without ``pytestmark = pytest.mark.browser`` would run
    in ``make test-fast`` (``-m "not browser"``), so collection stops and names it."""
    here = Path(__file__).resolve().parent
    unmarked = sorted({str(item.path.relative_to(ROOT)) for item in items
                       if here in item.path.resolve().parents and item.get_closest_marker("browser") is None})
    if unmarked:
        raise pytest.UsageError("browser tests without the browser marker (add pytestmark = pytest.mark.browser): "
                                + ", ".join(unmarked))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(pg, url: str, who: Person | str, timeout: float = 60_000) -> None:
    """Sign in for real: the app's Sign in button, then the demo provider's page (the button of a demo person,
    or of ``STRANGER`` given by e-mail). Returns once the app shows the signed-in page (or, for someone not
    on the staff list, the no-access page)."""
    pg.goto(url + "/")
    pg.get_by_role("button", name="Sign in").click(timeout=timeout)
    email = who.email if isinstance(who, Person) else who
    pg.get_by_role("button", name=email, exact=True).click(timeout=timeout)
    pg.wait_for_url(re.compile("^" + re.escape(url)), timeout=timeout)
    signed_in = "Signed in as" if isinstance(who, Person) else "No access"
    pg.get_by_text(signed_in).first.wait_for(timeout=timeout)
    wait_for_app(pg)


def new_page(browser, storage_state: dict | None = None):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000},
                                  storage_state=storage_state)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    return pg


def identity_cookie(url: str, person: Person) -> dict:
    """The identity cookie Streamlit sets after signing ``person`` in on ``url`` (signed with the demo
    cookie secret), for a test that must not send any request before its own first one."""
    import json
    import tomllib

    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    secret = tomllib.loads(demo_auth_secrets().read_text())["auth"]["cookie_secret"]
    payload = json.dumps({"email": person.email, "name": person.name, "sub": person.email,
                          "origin": url, "is_logged_in": True, "provider": "default"})
    value = create_signed_value(secret, "_streamlit_user", payload).decode()
    return {"name": "_streamlit_user", "value": value, "url": url + "/", "httpOnly": True, "sameSite": "Lax"}


@pytest.fixture
def page_as(request, browser):
    """``page_as(person, url=None)``: a new page signed in (for real) as ``person`` on ``url``
    (default: the test's ``server``)."""
    pages = []

    def make(person: Person, url: str | None = None):
        pg = new_page(browser)
        pages.append(pg)
        sign_in(pg, url or request.getfixturevalue("server"), person)
        return pg

    yield make
    for pg in pages:
        pg.context.close()


@pytest.fixture
def page(request, browser):
    """A browser page; signed in as the demo CSR on the test's ``server`` when the test uses one
    (a test that starts its own server signs in with ``sign_in``)."""
    pg = new_page(browser)
    if "server" in request.fixturenames:
        sign_in(pg, request.getfixturevalue("server"), CSR)
    yield pg
    pg.context.close()


@pytest.fixture
def manager_page(page_as):
    """A browser page signed in as the demo Operations Manager on the test's server."""
    return page_as(MANAGER)


def wait_for_app(pg) -> None:
    """Wait until Streamlit has finished running the page script.

    As Streamlit's own e2e tests do: the app's ``data-test-script-state`` attribute says whether a
    rerun is under way (the status widget only appears after a delay, so its absence proves little),
    then no element skeleton is left and the page has a moment to draw.
    """
    pg.wait_for_timeout(155)
    pg.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(
        state="attached", timeout=30_000)
    pg.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=30_000)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )
    expect(pg.get_by_test_id("stSkeleton")).to_have_count(0, timeout=30_000)
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


def sidebar_link(pg, label: str):
    """A link of the shared sidebar by its label (its accessible name also holds the icon's ligature)."""
    import re

    return pg.get_by_test_id("stSidebar").get_by_role("link", name=re.compile(rf"^([a-z_]+\s+)?{label}$"))


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


LINK_TABLE = "table.orders-links"  # the Orders index, the Clients list, a client's orders (ui.components.links)


def link_table_cells(pg):
    """The cells of the first HTML table of links on the page, row by row."""
    return pg.locator(LINK_TABLE).first.locator("tbody td")


def open_first_link(pg, url_pattern) -> None:
    """Open the first row's link of the page's table of links (a page load in the same tab) and wait for the
    profile's URL."""
    pg.locator(LINK_TABLE).first.locator("tbody a").first.click()
    pg.wait_for_url(url_pattern, timeout=30_000)
