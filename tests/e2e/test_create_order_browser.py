"""In Chromium: find a client, create an order over the cap (refused with reasons), fix and save it,
then Place Order, Ship and Deliver it, seeing each step in the event history and the Orders index."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from orders_core.storage.database import Database
from tests.e2e.conftest import link_table_cells, open_first_link, wait_for_app
from tests.order_helpers import make_client

pytestmark = pytest.mark.browser

NAME = "Éloïse Bérubé-Navigatrice"


@pytest.fixture
def browser_client(db_path) -> int:
    """A client allowed 2 g a day (60 g an order), added to the database before the server starts."""
    db = Database(str(db_path))
    try:
        return make_client(db.cursor(), NAME, gpd="2")
    finally:
        db.con.execute("CHECKPOINT")
        db.close()


def index_status(index_page, order_id: int) -> list[str]:
    """The Orders index row of ``order_id`` (searched by its id), as its cells read."""
    index_page.reload()
    wait_for_app(index_page)
    cells = link_table_cells(index_page)
    expect(cells.first).to_have_text(str(order_id))  # the Order ID cell is a link to the profile
    return cells.all_inner_texts()[:8]


def history(page):
    """The event history table (assert on it with expect, which waits for the script run to finish)."""
    return expect(page.locator('[data-testid="stTable"]').last)


def act(page, action: str) -> None:
    page.get_by_role("button", name=action, exact=True).click()
    wait_for_app(page)


@pytest.mark.own_server  # a new client before the server starts, then orders
def test_create_refuse_fix_save_and_take_through_the_lifecycle(browser_client, server, page):
    # Land on the app (the Orders page), then find the client on the Clients page and open their profile.
    page.goto(server)
    wait_for_app(page)
    clients = page.get_by_role("link", name="Clients", exact=True)
    expect(clients).to_be_visible()
    clients.click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    wait_for_app(page)
    search = page.get_by_role("textbox", name="Search clients")
    search.fill("berube-navig")
    search.press("Enter")
    expect(page.get_by_text("1 client", exact=True)).to_be_visible()
    wait_for_app(page)
    open_first_link(page, re.compile(rf"/client\?id={browser_client}$"))
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    wait_for_app(page)

    # Create New Order: 5 x Blue Dream 15 g = 75 g, over the 60 g limit.
    act(page, "Create New Order")
    product = page.get_by_role("combobox", name="Add a product")
    product.click()
    product.fill("Blue Dream 15")
    page.get_by_role("option", name=re.compile("Blue Dream 15 g")).click()
    wait_for_app(page)
    units = page.get_by_role("textbox", name="Units")
    units.fill("5")
    units.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Cannabis: 75 g"))).to_be_visible()
    act(page, "Save order")
    refusal = page.get_by_text("The order was not saved:").locator("xpath=ancestor::*[@data-testid='stAlert']")
    expect(refusal).to_contain_text("Say who placed the order ('Order placed by').")
    expect(refusal).to_contain_text("The client has not agreed to the return and exchange policy.")
    expect(refusal).to_contain_text(f"The order holds 75 g (dried equivalent), over {NAME}'s limit of 60 g per order")
    expect(page.get_by_text("This client has no orders here yet.")).to_be_visible()

    # Fix it: 3 units (45 g), who placed it, the policy agreement; save.
    units.fill("3")
    units.press("Enter")
    wait_for_app(page)
    placed = page.get_by_role("textbox", name="Order placed by")
    placed.fill(NAME)
    placed.press("Enter")
    wait_for_app(page)
    page.get_by_text("Client agreed to the return and exchange policy").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Cannabis: 45 g"))).to_be_visible()
    page.get_by_role("combobox", name="Carrier").click()  # Place Order needs a carrier
    page.get_by_role("option", name="Purolator").click()
    wait_for_app(page)
    act(page, "Save order")
    saved = page.get_by_text(re.compile(r"^Order \d+ saved: it is Open\.$"))
    expect(saved).to_be_visible()
    order_id = int(saved.inner_text().split()[1])

    # The Orders index, in a second tab, finds it by its id.
    index_page = page.context.new_page()
    index_page.goto(server + f"/?q={order_id}")
    wait_for_app(index_page)
    row = index_status(index_page, order_id)
    assert row[1:4] == [NAME, "45 g", "$315.00"] and row[6] == "Open"

    # Open its profile: the s.289 record and the 'created' event.
    act(page, f"Open order {order_id}")
    expect(page.get_by_role("heading", name=f"Order {order_id}")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/order\?id={order_id}$"))
    expect(page.get_by_text("Blue Dream 15 g (Boréal Botanicals) × 3")).to_be_visible()
    history(page).to_contain_text(f"placed by {NAME}")
    # Who created it: the signed-in CSR, by name and e-mail, in the history and in the s. 289 record.
    csr = "Isabelle Roy \\(csr\u2060?@demo\\.example\\)"  # an address is never made a link (ui.text.JOINER)
    history(page).to_contain_text(re.compile(rf"{csr}\s*created"))
    record = page.get_by_test_id("stMarkdownContainer").filter(has_text="Recorded by:")
    expect(record).to_contain_text(re.compile(rf"Recorded by: {csr}"))
    expect(record).to_contain_text(f"Order placed by: {NAME}")

    # Place Order.
    act(page, "Place Order")
    page.get_by_role("textbox", name="Payment reference").fill("VISA-4417")
    act(page, "Confirm: Place Order")
    expect(page.get_by_text("Place Order: done.")).to_be_visible()
    history(page).to_contain_text("Open → Order Placed; paid by Credit card, reference VISA-4417")
    assert index_status(index_page, order_id)[6] == "Order Placed"

    # While it is Order Placed, its picking list downloads as a PDF naming the order.
    act(page, "Picking list")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"Download picking list \d+ \(PDF\)")).click()
    pdf = PdfReader(download.value.path())
    assert str(order_id) in "".join(p.extract_text() for p in pdf.pages)

    # Mark as Shipped: carrier and tracking number (stored upper-case).
    act(page, "Mark as Shipped")
    carrier = page.get_by_role("combobox", name="Carrier")
    carrier.click()
    page.get_by_role("option", name="Purolator").click()
    wait_for_app(page)
    page.get_by_role("textbox", name="Tracking number").fill("pur 5550 1234")
    act(page, "Confirm: Mark as Shipped")
    expect(page.get_by_text("Mark as Shipped: done.")).to_be_visible()
    history(page).to_contain_text(re.compile(r"Order Placed → Shipped on \d{4}-\d\d-\d\d by Purolator, tracking PUR55501234"))
    row = index_status(index_page, order_id)
    assert row[6:8] == ["Shipped", "Purolator"] and re.fullmatch(r"\d{4}-\d\d-\d\d", row[5])

    # Mark as Delivered.
    act(page, "Mark as Delivered")
    act(page, "Confirm: Mark as Delivered")
    expect(page.get_by_text("Mark as Delivered: done.")).to_be_visible()
    history(page).to_contain_text(re.compile(r"Shipped → Delivered on \d{4}-\d\d-\d\d"))
    expect(page.get_by_text("An order that is Delivered cannot change any more.")).to_be_visible()
    assert index_status(index_page, order_id)[6] == "Delivered"
