"""A CSR in Chromium: a Delivered order, a return of one unit as damaged, its refund and its replacement, all three
on the Order Profile and the order in the Orders index's Returns view."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture
def delivered(db_path) -> tuple[int, str]:
    """A Delivered, unarchived order of the test's own copy, and the SKU of its first line (read before the server)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(
            "SELECT o.order_id, l.sku FROM orders o JOIN order_lines l USING (order_id) WHERE o.status = 'Delivered' "
            "AND o.archived_at IS NULL AND o.coverage_amount > 0 ORDER BY o.order_id DESC, l.line_no LIMIT 1"
        ).fetchall()[0]
    finally:
        con.close()


@pytest.mark.own_server  # records a return, a refund and a replacement order
def test_a_csr_returns_refunds_and_replaces_one_damaged_unit(delivered, server, page):
    order_id, sku = delivered
    page.goto(f"{server}/order?id={order_id}")
    wait_for_app(page)
    page.get_by_role("button", name="Record a return").click()
    wait_for_app(page)
    page.get_by_label(f"Units of {sku} that came back").fill("1")
    page.keyboard.press("Tab")
    wait_for_app(page)
    page.get_by_role("button", name="Save the return").click()  # the reason defaults to Damaged in transit
    wait_for_app(page)
    expect(page.get_by_text("Return 1: Returned (Damaged in transit)").first).to_be_visible()

    page.get_by_role("button", name="Refund return 1").click()
    wait_for_app(page)
    page.get_by_label("Refund reference").fill("RF-BROWSER-1")
    page.keyboard.press("Tab")
    wait_for_app(page)
    page.get_by_role("button", name="Save the refund").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Refund 1 on order {order_id}").first).to_be_visible()

    page.get_by_role("button", name="Replace return 1").click()
    wait_for_app(page)
    expect(page.get_by_text("Replacement order").first).to_be_visible()
    page.reload()
    wait_for_app(page)
    expect(page.get_by_text("Return 1", exact=False).first).to_be_visible()
    expect(page.get_by_text("Refund 1 · replaced by order").first).to_be_visible()
    # the refunds table is a grid drawn on a canvas: its cells are read through the grid's accessible table
    expect(page.locator('[role="gridcell"]', has_text="RF-BROWSER-1").first).to_be_attached()

    page.goto(f"{server}/?view=Returns")
    wait_for_app(page)
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text(str(order_id))
    expect(row).to_contain_text("Partly returned")
