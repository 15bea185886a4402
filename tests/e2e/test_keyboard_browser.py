"""A CSR's day with the keyboard alone, in headless Chromium: find an order and open it, verify a Client Portal
order, create a new order for a client, archive with Undo, and sign out. Every key goes through
``page.keyboard`` (Tab, Shift+Tab, Enter, Space, arrows, typing); the test only looks (``expect``, the focused
element, screenshots). Each control it uses shows where the focus is: the pixels around it differ with and
without the focus.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from orders_core.intake.portal import import_orders
from orders_core.storage.database import Database
from tests.e2e.conftest import CSR, sidebar_link, wait_for_app
from tests.order_helpers import make_client

pytestmark = pytest.mark.browser

NAME = "Noémie Clavier-Seul"
PORTAL_ID = "W-KEYBOARD-1"


@pytest.fixture
def portal_order(db_path) -> dict:
    """A client in good standing and one Client Portal order of theirs (Unverified, nothing against it), in the
    test's database before its server starts."""
    db = Database(str(db_path))
    try:
        client_id = make_client(db.cursor(), NAME, gpd="2")
        placed = (dt.datetime.now() - dt.timedelta(hours=2)).replace(microsecond=0).isoformat()
        data = json.dumps([{"portal_order_id": PORTAL_ID, "client_id": client_id, "placed_at": placed,
                            "carrier": "Purolator", "lines": [{"sku": "FL-PK-035", "units": 1}]}]).encode()
        report = import_orders(db, data, CSR)
        assert report.imported == 1 and not report.unverified_with_reasons, report.summary()
        order_id = db.cursor().execute("SELECT order_id FROM portal_imports WHERE portal_order_id = ?",
                                       [PORTAL_ID]).fetchone()[0]
        return {"client_id": client_id, "order_id": order_id}
    finally:
        db.con.execute("CHECKPOINT")
        db.close()


def focused(target) -> bool:
    return target.evaluate("e => e === document.activeElement || e.contains(document.activeElement)")


def assert_focus_visible(pg, what: str) -> None:
    """The focused control looks focused: the pixels around it change when the focus leaves it."""
    pg.wait_for_timeout(250)  # Streamlit's focus styles fade in
    box = pg.evaluate("""() => { const r = document.activeElement.getBoundingClientRect();
        return {x: Math.max(r.x - 5, 0), y: Math.max(r.y - 5, 0), width: r.width + 10, height: r.height + 10}; }""")
    assert box["width"] > 10 and box["height"] > 10, f"{what}: the focused element is not on screen"
    element = pg.evaluate_handle("document.activeElement")
    with_focus = pg.screenshot(clip=box)
    element.evaluate("e => e.blur()")
    pg.wait_for_timeout(250)
    without = pg.screenshot(clip=box)
    element.evaluate("e => e.focus()")
    pg.wait_for_timeout(150)
    assert with_focus != without, f"{what}: no visible focus"


def tab_to(pg, target, what: str, *, backwards: bool = False, limit: int = 150, look: bool = True) -> None:
    """Press Tab (Shift+Tab) until ``target`` has the focus, then check that the focus shows (``look``)."""
    expect(target).to_be_visible(timeout=30_000)
    for _ in range(limit):
        pg.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focused(target):
            if look:
                assert_focus_visible(pg, what)
            return
    raise AssertionError(f"{what}: not reached with {'Shift+' if backwards else ''}Tab in {limit} presses")


def settle(pg) -> None:
    wait_for_app(pg)


@pytest.mark.own_server  # it verifies, creates and archives
def test_a_csr_day_with_the_keyboard_only(portal_order, server, page, demo_sql):
    pg = page
    order_id, client_id = portal_order["order_id"], portal_order["client_id"]
    pg.goto(server)
    settle(pg)

    # Find the portal order: type its number into Search, Enter.
    search = pg.get_by_role("textbox", name="Search", exact=True)
    tab_to(pg, search, "Search")
    pg.keyboard.type(f"#{order_id}")
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text("1 order", exact=True)).to_be_visible()

    # Open it: its Order ID is a link named "Order N"; Enter follows it in the same tab.
    link = pg.get_by_role("link", name=f"Order {order_id}", exact=True)
    tab_to(pg, link, "the Order ID link")
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(rf"/order\?id={order_id}$"))
    settle(pg)
    expect(pg.get_by_text("Unverified").first).to_be_visible()

    # Verify it.
    tab_to(pg, pg.get_by_role("button", name="Verify", exact=True), "Verify")
    pg.keyboard.press("Enter")
    settle(pg)
    tab_to(pg, pg.get_by_role("button", name="Confirm: Verify", exact=True), "Confirm: Verify")
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text(re.compile(r"Unverified → Open")).first).to_be_visible()

    # A new order for the client: the Clients page from the sidebar, the client's link, Create New Order.
    tab_to(pg, sidebar_link(pg, "Clients"), "Clients",
           backwards=True)
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_role("heading", name="Clients")).to_be_visible()
    tab_to(pg, pg.get_by_role("textbox", name="Search clients"), "Search clients")
    pg.keyboard.type("clavier-seul")
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text("1 client", exact=True)).to_be_visible()
    tab_to(pg, pg.get_by_role("link", name=f"Client {NAME}", exact=True), "the client's link")
    pg.keyboard.press("Enter")
    pg.wait_for_url(re.compile(rf"/client\?id={client_id}$"))
    settle(pg)
    tab_to(pg, pg.get_by_role("button", name="Create New Order", exact=True), "Create New Order")
    pg.keyboard.press("Enter")
    settle(pg)
    tab_to(pg, pg.get_by_role("combobox", name="Add a product"), "Add a product")
    pg.keyboard.type("Pink Kush 7")
    pg.wait_for_timeout(300)
    pg.keyboard.press("Enter")
    settle(pg)
    tab_to(pg, pg.get_by_role("textbox", name="Units"), "Units")
    pg.keyboard.press("Control+A")
    pg.keyboard.type("2")
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text(re.compile(r"Cannabis: 14 g"))).to_be_visible()
    tab_to(pg, pg.get_by_role("textbox", name="Order placed by"), "Order placed by")
    pg.keyboard.type(NAME)
    pg.keyboard.press("Enter")
    settle(pg)
    tab_to(pg, pg.get_by_role("checkbox", name="Client agreed to the return and exchange policy"),
           "the policy checkbox")
    pg.keyboard.press("Space")
    settle(pg)
    tab_to(pg, pg.get_by_role("button", name="Save order", exact=True), "Save order")
    pg.keyboard.press("Enter")
    settle(pg)
    saved = pg.get_by_text(re.compile(r"^Order \d+ saved: it is Open\.$"))
    expect(saved).to_be_visible()

    # Archive the Shipped orders from the Orders menu, then Undo.
    tab_to(pg, sidebar_link(pg, "Orders"), "Orders",
           backwards=True)
    pg.keyboard.press("Enter")
    settle(pg)
    shipped = demo_sql("SELECT count(*) FROM orders WHERE status = 'Shipped' AND archived_at IS NULL")
    tab_to(pg, pg.get_by_role("button", name="⋮"), "the Orders menu")
    pg.keyboard.press("Enter")
    settle(pg)
    # Streamlit draws an open popover's content at the end of the page, not after its button: Tab from the
    # button goes on through the page (docs/accessibility.md); Shift+Tab past the page's start reaches it.
    tab_to(pg, pg.get_by_role("button", name="Archive Shipped"), "Archive Shipped", backwards=True)
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text(f"Archive all {shipped:,} orders in the Shipped status?")).to_be_visible()
    tab_to(pg, pg.get_by_role("button", name=f"Archive {shipped:,} orders"), "the archive confirmation")
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text(f"Archived {shipped:,} orders (Shipped).")).to_be_visible()
    tab_to(pg, pg.get_by_role("button", name="Undo", exact=True), "Undo")
    pg.keyboard.press("Enter")
    settle(pg)
    expect(pg.get_by_text(f"Undone: {shipped:,} orders unarchived.")).to_be_visible()

    # Sign out.
    tab_to(pg, pg.get_by_role("button", name=re.compile(r"Sign out$")), "Sign out", backwards=True)
    pg.keyboard.press("Enter")
    # The demo identity provider (not this app) asks to confirm ending its session.
    tab_to(pg, pg.get_by_role("button", name="End session"), "End session", look=False)
    pg.keyboard.press("Enter")
    expect(pg.get_by_role("button", name=re.compile(r"Sign in$"))).to_be_visible(timeout=60_000)
