"""The app's own server (``python -m orders_core.serve`` runs ``ui/asgi.py``): every page works under its
content-security policy (no violation, charts drawn, an export downloaded, a file uploaded), no other site
may frame it, and a signed-out browser can neither upload nor fetch a generated file."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess

import pytest
from playwright.sync_api import expect

from orders_core.serve import ROOT, answers, free_port, streamlit_args
from tests.e2e.conftest import ADMIN, MANAGER, demo_auth_secrets, new_page, sign_in, stop_server, wait_for_app
from tests.e2e.test_intake_browser import HEADER, ROWS

pytestmark = pytest.mark.browser

# Every Content-Security-Policy violation the page reports, kept on the page for the test to read.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def app_server(db_path):
    """The app as ``python -m orders_core.serve`` serves it (``ui/asgi.py``), over the test's database copy."""
    port = free_port()
    log = db_path.parent / "server.log"
    proc = subprocess.Popen(
        [*streamlit_args(port, "127.0.0.1", demo_auth_secrets()), "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "ORDERS_DB": str(db_path)}, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not answers(proc, url + "/_stcore/health", 60):
        stop_server(proc)
        raise RuntimeError("the app's server did not start: " + log.read_text(errors="replace")[-3000:])
    yield url
    stop_server(proc)


def violations(pg) -> list[str]:
    return pg.evaluate("window.__csp || []")


def test_every_page_works_under_the_content_security_policy(app_server, browser, demo_sql, tmp_path):
    url = app_server
    pg = new_page(browser)
    pg.context.add_init_script(RECORD_VIOLATIONS)
    console = []
    pg.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        response = pg.goto(url + "/")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        sign_in(pg, url, MANAGER)
        order, client = (demo_sql("SELECT min(order_id) FROM orders WHERE status = 'Open'"),
                         demo_sql("SELECT min(client_id) FROM clients"))
        for path in ("/", f"/order?id={order}", f"/client?id={client}", "/clients", "/recurring", "/products",
                     "/import", "/metrics"):
            pg.goto(url + path)
            wait_for_app(pg)
            assert violations(pg) == [], (path, violations(pg))
        expect(pg.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)  # charts drawn

        pg.goto(url + "/")
        wait_for_app(pg)
        pg.get_by_role("button", name="⋮").click()
        with pg.expect_download(timeout=60_000) as info:
            pg.get_by_role("button", name="Export CSV").click()
        rows = list(csv.reader(io.StringIO(open(info.value.path(), "rb").read().decode("utf-8-sig"))))
        assert rows[0][0] == "Order ID" and len(rows) > 100  # the file, through the guarded /media/ door

        pg.goto(url + "/import")
        wait_for_app(pg)
        upload = tmp_path / "clients.csv"
        upload.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
        pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
        wait_for_app(pg)
        expect(pg.get_by_text(re.compile(r"rows in the file"))).to_be_visible(timeout=30_000)  # the upload went in

        admin = new_page(browser)
        admin.context.add_init_script(RECORD_VIOLATIONS)
        try:
            sign_in(admin, url, ADMIN)
            admin.goto(url + "/staff")
            wait_for_app(admin)
            assert violations(admin) == []
        finally:
            admin.context.close()
        assert violations(pg) == [] and console == [], (violations(pg), console)
    finally:
        pg.context.close()


def test_no_other_page_can_frame_the_app(app_server, browser):
    pg = new_page(browser)
    try:
        sign_in(pg, app_server, MANAGER)
        pg.set_content(f'<iframe id="app" src="{app_server}/" width="800" height="600"></iframe>')
        pg.wait_for_timeout(3_000)
        framed = pg.frame_locator("#app")
        expect(framed.locator('[data-testid="stApp"]')).to_have_count(0)
        expect(framed.get_by_text("Signed in as")).to_have_count(0)
    finally:
        pg.context.close()


def test_a_signed_out_browser_can_neither_upload_nor_fetch_a_file(app_server, browser):
    pg = new_page(browser)
    try:
        pg.goto(app_server + "/")
        expect(pg.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        statuses = pg.evaluate("""async () => {
            const xsrf = (document.cookie.match(/_streamlit_xsrf=([^;]+)/) || [])[1] || '';
            const form = new FormData();
            form.append('file', new Blob(['client_number,name\\nX,Y\\n']), 'clients.csv');
            const put = await fetch('_stcore/upload_file/any-session/any-file',
                                    {method: 'PUT', body: form, headers: {'X-Xsrftoken': xsrf}});
            const media = await fetch('media/0123456789abcdef.csv');
            return [put.status, media.status];
        }""")
        assert statuses == [403, 403]
    finally:
        pg.context.close()
