"""Free text on the Order Profile, as a browser shows it: literally, never bold, never a link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orders_core.orders.drafts import DraftLine, OrderDraft
from orders_core.orders.lifecycle import cancel_order
from orders_core.orders.ordering import create_order
from orders_core.storage.database import Database
from tests.e2e.conftest import CSR, sign_in, start_server, stop_server, wait_for_app
from tests.order_helpers import make_client
from tests.people import acting

pytestmark = pytest.mark.browser
HOSTILE = "**bold** <b>tag</b> [link](http://evil.example)"


def test_order_profile_shows_typed_text_literally(db_path, page):
    db = Database(str(db_path))
    try:
        client = make_client(db.cursor(), "Éloïse Bérubé-Test", gpd="2")
        order_id = create_order(db, OrderDraft(client, [DraftLine("FL-PK-035", 1)], placed_by=HOSTILE,
                                               return_policy_agreed=True, carrier="UPS"), acting("Isabelle Roy"))
        cancel_order(db, order_id, acting("Isabelle Roy"), reason=HOSTILE)
    finally:
        db.close()
    proc, url = start_server(db_path)
    try:
        sign_in(page, url, CSR)
        page.goto(f"{url}/order?id={order_id}")
        wait_for_app(page)
        main = page.locator('[data-testid="stMain"]')
        expect(page.get_by_role("heading", name=f"Order {order_id}")).to_be_visible(timeout=60_000)
        wait_for_app(page)
        expect(main.get_by_text("Cancelled because:")).to_be_visible()
        shown = main.inner_text().replace("\u2060", "")  # the invisible joiner that keeps an address a text
        assert f"Order placed by: {HOSTILE}" in shown
        assert f"Cancelled because: {HOSTILE}" in shown
        assert main.locator('a[href="http://evil.example"]').count() == 0
        assert main.locator("b", has_text=re.compile(r"^tag$")).count() == 0  # no HTML tag drawn
        assert main.locator("strong", has_text=re.compile(r"^bold$")).count() == 0  # no Markdown bold drawn
        page.screenshot(path=str(db_path.parent / "literal.png"), full_page=True)
    finally:
        stop_server(proc)
