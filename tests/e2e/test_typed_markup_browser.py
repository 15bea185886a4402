"""Every text a person typed is shown literally, on every page: markup in client names, addresses, notes,
reasons, product names, insurers, prescribers, staff names... and a local listener that must receive no
request. Any element drawn from the markup (an image, a link, bold, math) fails the test, as does any request
to the listener (a tracking pixel)."""

from __future__ import annotations

import http.server
import threading

import duckdb
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN, CSR, MANAGER, new_page, sign_in, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser


class Listener:
    """An HTTP server on 127.0.0.1 that records every request (nothing should ever reach it)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def markup(port: int, label: str) -> str:
    at = f"http://127.0.0.1:{port}"
    return (f"{label} **bold** ![pixel]({at}/md-{label}) <img src=\"{at}/img-{label}\"> "
            f"<a href=\"{at}/a-{label}\">link</a> [here]({at}/link-{label}) $x^2$ :red[red] <b>tag</b>")


def poison(path, port: int) -> dict:
    """Markup in every kind of typed text of one client, their orders and template, the catalogue, an insurer,
    a prescriber, the demo CSR's name and a picking list's author; returns the ids to visit."""
    con = duckdb.connect(str(path))
    try:
        q = lambda sql, *p: con.execute(sql, list(p)).fetchall()  # noqa: E731
        client = q("SELECT client_id FROM orders JOIN recurring_orders USING (client_id) "
                   "JOIN coverage_policies USING (client_id) ORDER BY 1 LIMIT 1")[0][0]
        m = lambda label: markup(port, label)  # noqa: E731
        q("UPDATE clients SET name = ?, address_line1 = ?, address_line2 = ?, city = ?, email = ?, phone = ? "
          "WHERE client_id = ?", m("name"), m("addr1"), m("addr2"), m("city"), m("email") + "@x.ca", m("phone"),
          client)
        q("UPDATE orders SET placed_by = ?, payment_reference = ?, tracking_number = ?, cancel_reason = ? "
          "WHERE client_id = ?", m("placedby"), m("payref"), m("tracking"), m("cancel"), client)
        q("UPDATE order_events SET details = ? WHERE order_id IN (SELECT order_id FROM orders WHERE client_id = ?)",
          m("event"), client)
        q("UPDATE recurring_orders SET last_skip_reason = ?, last_skip_at = now()::TIMESTAMP WHERE client_id = ?",
          m("skip"), client)
        q("UPDATE prescriptions SET prescriber = ? WHERE client_id = ?", m("prescriber"), client)
        insurer = q("SELECT insurer FROM coverage_policies WHERE client_id = ? LIMIT 1", client)[0][0]
        for table in ("coverage_policies", "order_coverage", "metrics_daily_coverage"):
            q(f"UPDATE {table} SET insurer = ? WHERE insurer = ?", m("insurer"), insurer)
        q("UPDATE order_coverage SET note = ?", m("note"))
        q("UPDATE products SET name = ? || ' ' || sku, brand = ?", m("product"), m("brand"))
        q("UPDATE staff SET name = ? WHERE email = ?", m("staff"), CSR.email)
        q("UPDATE picking_lists SET generated_by = ?", m("picker"))
        orders = [r[0] for r in q("SELECT order_id FROM orders WHERE client_id = ? ORDER BY status, order_id",
                                   client)]
        cancelled = q("SELECT min(order_id) FROM orders WHERE status = 'Cancelled'")[0][0]
        q("UPDATE orders SET cancel_reason = ? WHERE order_id = ?", m("cancel"), cancelled)
        q("CHECKPOINT")
        return {"client": client, "orders": orders[:3] + [cancelled]}
    finally:
        con.close()


DRAWN = """port => {
  const at = `127.0.0.1:${port}`;
  const urls = ['src', 'href', 'xlink:href', 'srcset', 'style', 'poster', 'data', 'action', 'background'];
  const drawn = [...document.querySelectorAll('*')].filter(e =>
      [...e.attributes].some(a => urls.includes(a.name) && a.value.includes(at)));
  const bold = [...document.querySelectorAll('strong, b')].filter(e => ['bold', 'tag'].includes(e.textContent.trim()));
  const math = document.querySelectorAll('.katex, math').length;
  const colour = [...document.querySelectorAll('span')].filter(e => e.textContent === 'red' && e.style.color).length;
  return {drawn: drawn.map(e => e.outerHTML.slice(0, 200)), bold: bold.length, math, colour};
}"""


def check_page(pg, listener: Listener, where: str) -> None:
    wait_for_app(pg)
    found = pg.evaluate(DRAWN, listener.port)
    assert found == {"drawn": [], "bold": 0, "math": 0, "colour": 0}, (where, found)
    assert listener.hits == [], (where, listener.hits)


def test_every_page_shows_typed_markup_literally(db_path, browser):
    listener = Listener()
    ids = poison(db_path, listener.port)
    proc, url = start_server(db_path)
    pages = []
    try:
        manager = new_page(browser)
        pages.append(manager)
        sign_in(manager, url, MANAGER)
        visits = ["/", f"/?q={ids['client']}", "/clients", "/recurring", "/products", "/import", "/metrics",
                  *(f"/order?id={o}" for o in ids["orders"]),
                  *(f"/client?id={ids['client']}&tab={t}" for t in ("orders", "periods", "recurring"))]
        for path in visits:
            manager.goto(url + path)
            check_page(manager, listener, path)
        manager.goto(f"{url}/client?id={ids['client']}")
        wait_for_app(manager)
        expect(manager.get_by_role("heading", level=1)).to_contain_text("name **bold** ![pixel]")  # shown as typed
        manager.get_by_role("button", name="Create New Order").click()
        wait_for_app(manager)
        manager.get_by_role("button", name="The client").hover()  # its tooltip holds the client's name
        expect(manager.get_by_test_id("stTooltipContent")).to_contain_text("Placed by name **bold**", timeout=10_000)
        check_page(manager, listener, "the Create New Order form's tooltip")
        manager.goto(url + "/metrics")
        wait_for_app(manager)
        hovered = 0
        for bar in manager.locator(".js-plotly-plot .bars path").all():  # their hover labels show the names
            box = bar.bounding_box()
            if hovered >= 40 or not box or box["width"] < 3 or box["height"] < 3:
                continue
            bar.scroll_into_view_if_needed()
            box = bar.bounding_box()
            manager.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            manager.wait_for_timeout(50)
            hovered += 1
        assert hovered > 5
        check_page(manager, listener, "the Metrics charts' hover labels")

        admin = new_page(browser)
        pages.append(admin)
        sign_in(admin, url, ADMIN)
        for path in ("/staff", "/"):
            admin.goto(url + path)
            check_page(admin, listener, path + " (administrator)")

        csr = new_page(browser)
        pages.append(csr)
        sign_in(csr, url, CSR)  # the sidebar names them with the markup of their own name
        expect(csr.get_by_test_id("stSidebar")).to_contain_text("Signed in as staff **bold**")
        check_page(csr, listener, "the CSR's sidebar")
    finally:
        for pg in pages:
            pg.context.close()
        stop_server(proc)
        listener.close()
    assert listener.hits == []
