"""The Packing Station with the keyboard alone (as a USB scanner types): the scan field has the focus, a wrong
SKU is refused, the right units complete the order, and the scanned tracking number marks it Shipped."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_app
from tests.people import FULFILLMENT

pytestmark = pytest.mark.browser


def focused_label(pg) -> str | None:
    return pg.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')")


def wait_for_focus_in_scan(pg) -> None:
    """The page puts the cursor in the Scan field by itself after every run (nothing is clicked)."""
    pg.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('aria-label') === 'Scan'",
                         timeout=10_000)
    assert focused_label(pg) == "Scan"


def scan(pg, code: str) -> None:
    wait_for_focus_in_scan(pg)
    pg.keyboard.type(code)
    pg.keyboard.press("Enter")
    wait_for_app(pg)


@pytest.mark.own_server  # ships an order
def test_pack_and_ship_an_order_with_the_keyboard_alone(server, page_as, demo_sql):
    order_id = demo_sql("""SELECT min(o.order_id) FROM orders o JOIN order_lines l USING (order_id)
                           WHERE o.status = 'Order Placed' AND o.archived_at IS NULL""")
    skus = demo_sql("SELECT list(sku ORDER BY line_no) FROM order_lines l, range(units) WHERE order_id = ?",
                    [order_id])
    pg = page_as(FULFILLMENT)
    pg.goto(server + "/packing")
    wait_for_app(pg)
    expect(pg.get_by_role("heading", name="Packing Station")).to_be_visible()
    wait_for_focus_in_scan(pg)

    scan(pg, str(order_id))
    expect(pg.get_by_text(f"Order {order_id} for")).to_be_visible()
    scan(pg, "NOT-ON-THIS-ORDER")
    expect(pg.get_by_text(f"“NOT-ON-THIS-ORDER” is not on order {order_id}: do not pack it.")).to_be_visible()
    for sku in skus:
        scan(pg, sku)
    expect(pg.get_by_text("the order is complete")).to_be_visible()
    scan(pg, skus[0])
    expect(pg.get_by_text("One unit too many")).to_be_visible()
    scan(pg, "CP 1234 5678 9CA")
    expect(pg.get_by_text(f"Order {order_id} is Shipped")).to_be_visible()
    expect(pg.get_by_text("tracking CP123456789CA")).to_be_visible()
    wait_for_focus_in_scan(pg)

    pg.goto(f"{server}/order?id={order_id}")
    wait_for_app(pg)
    expect(pg.get_by_text("CP123456789CA").first).to_be_visible()
