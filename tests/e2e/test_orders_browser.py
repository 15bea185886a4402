"""The Orders dashboard in Chromium: what a CSR sees and clicks."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from tests.e2e.conftest import open_first_row, wait_for_app


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
    search.fill("tremblay")
    search.press("Enter")
    wait_for_app(page)
    tremblay = demo_sql("SELECT count(*) FROM orders o JOIN clients USING (client_id) "
                                  "WHERE name_key LIKE '%tremblay%' AND archived_at IS NULL")
    expect(page.get_by_text(f"{tremblay:,} orders", exact=True)).to_be_visible()
    assert "q=tremblay" in page.url

    newest = demo_sql("SELECT max(order_id) FROM orders o JOIN clients USING (client_id) "
                                "WHERE name_key LIKE '%tremblay%' AND archived_at IS NULL")
    open_first_row(page, page.locator('[data-testid="stDataFrame"]').first, re.compile(rf"/order\?id={newest}$"))
    wait_for_app(page)
    expect(page.get_by_text(str(newest)).first).to_be_visible()


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


def test_export_csv_downloads_the_filtered_result(server, page, demo_sql):
    page.goto(server + "/?view=Unverified")
    wait_for_app(page)
    page.get_by_role("button", name="⋮").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    unverified = demo_sql("SELECT count(*) FROM orders WHERE status='Unverified' AND archived_at IS NULL")
    assert len(rows) == unverified > 0
    assert {r["Status"] for r in rows} == {"Unverified"}
    assert list(rows[0]) == ["Order ID", "Client", "Quantity", "Total Due", "Created At", "Shipped On",
                             "Status", "Carrier"]
