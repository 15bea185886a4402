"""View Picking List from the Orders "⋮" menu in Chromium, download the PDF and read it."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.own_server  # keeps picking list 1
def test_download_a_picking_list_from_the_orders_menu(server, page, demo_sql):
    placed = demo_sql("SELECT list(order_id ORDER BY order_id) FROM orders "
                      "WHERE status = 'Order Placed' AND archived_at IS NULL")
    page.goto(server)
    wait_for_app(page)
    page.get_by_role("button", name="⋮").click()
    page.get_by_role("button", name="View Picking List").click()
    wait_for_app(page)
    expect(page.get_by_text("Every order in Order Placed")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Orders").first).to_contain_text(str(len(placed)))

    page.get_by_role("button", name="Generate picking list").click()
    wait_for_app(page)
    expect(page.get_by_text(f"Picking list 1 is ready: {len(placed)} orders.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download picking list 1 (PDF)").click()
    assert download.value.suggested_filename == "picking-list-1.pdf"
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    pages = [p.extract_text() for p in pdf.pages]
    text = "\n".join(pages)
    assert [int(i) for i in re.findall(r"^Order (\d+) \(", text, re.M)] == placed
    assert all(f"Page {n} of {len(pages)}" in t for n, t in enumerate(pages, start=1))
    assert "Generated" in pages[0] and "by Isabelle Roy" in pages[0]


@pytest.mark.own_server  # keeps picking list 1
def test_a_picking_list_of_the_rows_the_csr_ticked(server, page, demo_sql):
    placed = demo_sql("SELECT list(order_id ORDER BY created_at DESC, order_id DESC) FROM orders "
                      "WHERE status = 'Order Placed' AND archived_at IS NULL")
    page.goto(server + "/?status=Order+Placed")
    wait_for_app(page)
    page.get_by_text("Select several orders").click()
    wait_for_app(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    for row in (0, 1):  # tick the first two rows' boxes
        expect(table).to_be_visible()
        page.wait_for_timeout(500)
        grid = table.bounding_box()
        page.mouse.click(grid["x"] + 14, grid["y"] + 35 + 17 + 35 * row)
        wait_for_app(page)
    assert "/order" not in page.url, "in multi-select mode a click ticks the row instead of opening it"
    page.get_by_role("button", name="⋮").click()
    page.get_by_role("button", name="View Picking List").click()
    wait_for_app(page)
    page.keyboard.press("Escape")
    page.get_by_text("The selected rows (2)").click()
    wait_for_app(page)
    page.get_by_role("button", name="Generate picking list").click()
    wait_for_app(page)
    expect(page.get_by_text("Picking list 1 is ready: 2 orders.")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download picking list 1 (PDF)").click()
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert sorted(int(i) for i in re.findall(r"^Order (\d+) \(", text, re.M)) == sorted(placed[:2])
