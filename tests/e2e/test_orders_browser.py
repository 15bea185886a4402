"""The Orders dashboard in Chromium: what a CSR sees and clicks."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_first_link, wait_for_app

pytestmark = pytest.mark.browser


def test_browse_search_sort_and_open_an_order(server, page, demo_sql):
    page.goto(server)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    all_orders = demo_sql("SELECT count(*) FROM orders WHERE archived_at IS NULL")
    expect(page.get_by_text(f"{all_orders:,} orders", exact=True)).to_be_visible()

    page.get_by_text("Unverified", exact=True).first.click()
    unverified = demo_sql("SELECT count(*) FROM orders WHERE status='Unverified' AND archived_at IS NULL")
    expect(page.get_by_text(f"{unverified:,} orders", exact=True)).to_be_visible()
    assert "view=Unverified" in page.url

    page.reload()
    wait_for_app(page)
    expect(page.get_by_text(f"{unverified:,} orders", exact=True)).to_be_visible()

    page.get_by_text("All", exact=True).first.click()
    wait_for_app(page)
    search = page.get_by_role("textbox", name="Search")
    surname = demo_sql("SELECT lower(strip_accents(split_part(c.name, ' ', -1))) FROM orders o "
                       "JOIN clients c USING (client_id) WHERE o.archived_at IS NULL ORDER BY o.order_id DESC LIMIT 1")
    search.fill(surname)
    search.press("Enter")
    wait_for_app(page)
    found = demo_sql("SELECT count(*) FROM orders o JOIN clients USING (client_id) "
                     "WHERE contains(name_key, ?) AND archived_at IS NULL", [surname])
    expect(page.get_by_text(f"{found:,} orders", exact=True)).to_be_visible()
    assert f"q={surname}" in page.url

    newest = demo_sql("SELECT max(order_id) FROM orders o JOIN clients USING (client_id) "
                      "WHERE contains(name_key, ?) AND archived_at IS NULL", [surname])
    open_first_link(page, re.compile(rf"/order\?id={newest}$"))
    wait_for_app(page)
    expect(page.get_by_text(str(newest)).first).to_be_visible()


@pytest.mark.own_server  # archives and unarchives
def test_archive_shipped_then_undo(server, page, demo_sql):
    page.goto(server)
    wait_for_app(page)
    shipped = demo_sql("SELECT count(*) FROM orders WHERE status='Shipped' AND archived_at IS NULL")
    all_orders = demo_sql("SELECT count(*) FROM orders WHERE archived_at IS NULL")
    page.get_by_role("button", name="⋮").click()
    page.get_by_role("button", name="Archive Shipped").click()
    expect(page.get_by_text(f"Archive all {shipped:,} orders in the Shipped status?")).to_be_visible()
    page.get_by_role("button", name=f"Archive {shipped:,} orders").click()
    expect(page.get_by_text(f"Archived {shipped:,} orders (Shipped).")).to_be_visible()
    expect(page.get_by_text(f"{all_orders - shipped:,} orders", exact=True)).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text(f"Undone: {shipped:,} orders unarchived.")).to_be_visible()
    expect(page.get_by_text(f"{all_orders:,} orders", exact=True)).to_be_visible()


def export(page):
    """Export CSV from the "⋮" menu. The file is made on the click (a deferred download); a click that lands
    while the menu is still being drawn on a loaded machine is lost, so it is tried once more."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        page.get_by_role("button", name="⋮").click()
        try:
            with page.expect_download(timeout=30_000) as info:
                page.get_by_role("button", name="Export CSV").click()
            return info.value
        except PlaywrightTimeout:
            if attempt:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page)


def test_export_csv_downloads_the_filtered_result(server, manager_page, demo_sql):
    page = manager_page  # Export CSV: Operations Manager and Administrator (the role table)
    page.goto(server + "/?view=Unverified")
    wait_for_app(page)
    raw = open(export(page).path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    unverified = demo_sql("SELECT count(*) FROM orders WHERE status='Unverified' AND archived_at IS NULL")
    assert len(rows) == unverified > 0
    assert {r["Status"] for r in rows} == {"Unverified"}
    assert list(rows[0]) == ["Order ID", "Client", "Quantity", "Total Due", "Created At", "Shipped On",
                             "Status", "Carrier", "Returns", "Policy Coverage", "Returned Units",
                             "Refunded to Client", "Refunded to Insurers"]
