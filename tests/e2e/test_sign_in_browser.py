"""Sign-in and roles in Chromium, through the real sign-in (the demo OpenID provider)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    CSR,
    FULFILLMENT,
    LINK_TABLE,
    MANAGER,
    link_table_cells,
    new_page,
    sidebar_link,
    sign_in,
    wait_for_app,
)
from ui.text import JOINER  # an address is never made a link

pytestmark = pytest.mark.browser

LINKS = ["Orders", "Recurring Orders", "Clients", "Metrics", "Staff"]
SIDEBAR = {
    CSR: ["Orders", "Recurring Orders", "Clients"],
    FULFILLMENT: ["Orders"],
    MANAGER: ["Orders", "Recurring Orders", "Clients", "Metrics"],
    ADMIN: LINKS,
}
# What the Order Profile of an order in Order Placed offers each role.
PLACED_ORDER_BUTTONS = {
    CSR: ["Mark as Shipped", "Cancel", "Archive", "Picking list"],
    FULFILLMENT: ["Mark as Shipped", "Picking list"],
    MANAGER: ["Mark as Shipped", "Cancel", "Archive", "Picking list"],
    ADMIN: [],
}
ALL_BUTTONS = ["Verify", "Place Order", "Mark as Shipped", "Mark as Delivered", "Cancel", "Edit", "Archive",
               "Unarchive", "Picking list"]


@pytest.mark.parametrize("who", [CSR, FULFILLMENT, MANAGER, ADMIN], ids=lambda p: p.role)
def test_each_role_sees_its_sidebar_index_and_order_profile(server, page_as, demo_sql, who):
    pg = page_as(who)
    sidebar = pg.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"Signed in as {who.name}")
    expect(sidebar).to_contain_text(who.role)
    for label in LINKS:
        expect(sidebar_link(pg, label)).to_have_count(1 if label in SIDEBAR[who] else 0, timeout=30_000)
    main = pg.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile(r"^[\d,]+ orders$"))).to_be_visible()

    placed = demo_sql("SELECT min(order_id) FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL")
    pg.goto(f"{server}/order?id={placed}")
    expect(pg.get_by_role("heading", name=f"Order {placed}")).to_be_visible(timeout=60_000)
    if who is FULFILLMENT:  # shipping fields only: no history, money or s. 289 record (order_detail.py)
        expect(main.get_by_text("Ships to (registered address):")).to_be_visible(timeout=60_000)
        wait_for_app(pg)
        for hidden in ("Event history", "Purchase order record", "Date of birth", "Total Due", "Payment"):
            expect(main.get_by_text(hidden)).to_have_count(0)
    else:
        expect(main.get_by_text("Event history")).to_be_visible(timeout=60_000)  # drawn after the buttons
    wait_for_app(pg)
    shown = [b for b in ALL_BUTTONS if main.get_by_role("button", name=b, exact=True).count()]
    assert shown == PLACED_ORDER_BUTTONS[who]


def test_fulfillment_associate_is_refused_a_typed_client_profile_and_an_open_order(server, page_as, demo_sql):
    pg = page_as(FULFILLMENT)
    client_id = demo_sql("SELECT min(client_id) FROM clients")
    pg.goto(f"{server}/client?id={client_id}")
    refusal = pg.get_by_text("A Fulfillment Associate may not see clients' dates of birth, prescriptions, "
                             "coverage or history.")
    expect(refusal).to_be_visible(timeout=60_000)
    expect(pg.get_by_text("Prescription Periods")).to_have_count(0)
    open_order = demo_sql("SELECT min(order_id) FROM orders WHERE status = 'Open'")
    pg.goto(f"{server}/order?id={open_order}")
    expect(pg.get_by_text("A Fulfillment Associate sees only orders in Order Placed, Shipped, Delivered; "
                          "this one is Open.")).to_be_visible(timeout=60_000)
    expect(pg.get_by_text("Event history")).to_have_count(0)


def test_fulfillment_associate_index_shows_three_statuses_and_no_export_or_archive(server, page_as, demo_sql):
    pg = page_as(FULFILLMENT)
    main = pg.get_by_test_id("stMain")
    visible = demo_sql("SELECT count(*) FROM orders WHERE archived_at IS NULL "
                       "AND status IN ('Order Placed', 'Shipped', 'Delivered')")
    everything = demo_sql("SELECT count(*) FROM orders WHERE archived_at IS NULL")
    assert 0 < visible < everything
    expect(main.get_by_text(f"{visible:,} orders", exact=True)).to_be_visible(timeout=60_000)
    wait_for_app(pg)
    grid_cells = link_table_cells(pg)
    expect(grid_cells.first).to_have_text(re.compile(r"^\d+$"), timeout=60_000)
    cells = grid_cells.all_inner_texts()  # row by row: Order ID, Client, Created At,
    assert len(cells) % 7 == 0 and all(c.isdigit() for c in cells[::7])  # Shipped On, Status, Carrier, Returns
    assert not [c for c in cells if c.startswith("$") or c.endswith(" g")]  # no Total Due, no Quantity
    statuses = set(cells[4::7])
    assert statuses and statuses <= {"Order Placed", "Shipped", "Delivered"}, statuses
    # sorted by Status, the first page starts with the earliest status it may see
    pg.goto(f"{server}/?sort=status")
    wait_for_app(pg)
    expect(grid_cells.nth(4)).to_have_text("Order Placed", timeout=60_000)
    for attempt in range(2):  # the menu re-renders while the script finishes on a loaded machine
        main.get_by_role("button", name="⋮").click()
        try:
            expect(pg.get_by_role("button", name="View Picking List")).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt:
                raise
            pg.keyboard.press("Escape")
            wait_for_app(pg)
    for absent in ("Export CSV", "Archive Shipped", "Archive Delivered"):
        expect(pg.get_by_role("button", name=absent)).to_have_count(0)


def test_someone_not_on_the_staff_list_sees_nothing(server, browser):
    page = new_page(browser)  # not the signed-in CSR's page
    sign_in(page, server, "stranger@example.com")
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text(f"You are signed in as stranger{JOINER}@example.com, which is not on this module's "
                                 "staff list.")
    expect(main).to_contain_text(f"ask an administrator: {ADMIN.name}")
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.locator(LINK_TABLE)).to_have_count(0)
    expect(sidebar_link(page, "Orders")).to_have_count(0)
    page.goto(server + "/metrics")
    expect(page.get_by_role("heading", name="No access")).to_be_visible(timeout=60_000)


@pytest.mark.own_server  # deactivates the demo CSR
def test_a_deactivated_csr_is_refused_at_the_next_click(server, page, page_as):
    csr = page  # signed in as the demo CSR
    expect(csr.get_by_text(re.compile(r"^[\d,]+ orders$"))).to_be_visible()
    admin = page_as(ADMIN)
    sidebar_link(admin, "Staff").click()
    expect(admin.get_by_role("heading", name="Staff", exact=True)).to_be_visible(timeout=60_000)
    wait_for_app(admin)
    admin.get_by_test_id("stMain").get_by_role("combobox", name="Person").click()
    admin.get_by_role("option", name=re.compile(re.escape(CSR.email))).click()
    wait_for_app(admin)
    admin.get_by_role("button", name="Deactivate").click()
    shown_email = CSR.email.replace("@", JOINER + "@")  # the outcome shows the typed address literally (ui.text)
    expect(admin.get_by_text(f"Deactivated {CSR.name} ({shown_email}, CSR).")).to_be_visible(timeout=30_000)

    sidebar_link(csr, "Clients").click()
    expect(csr.get_by_role("heading", name="No access")).to_be_visible(timeout=60_000)
    expect(csr.get_by_text("your access has been deactivated")).to_be_visible()
    expect(csr.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(csr.locator(LINK_TABLE)).to_have_count(0)


def test_sign_out_returns_to_the_sign_in_page(server, page):
    page.get_by_role("button", name="Sign out").click()
    # The demo provider asks to confirm ending its session, then sends the browser back to the app.
    page.get_by_role("button", name="End session").click(timeout=60_000)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("demo identity provider")).to_be_visible()
    page.goto(server + "/metrics")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
