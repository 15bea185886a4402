"""The Reports page in Chromium: a manager opens Reports, picks the demo's last complete month (before the
tests' anchor, tests/conftest.py, whatever today's date), downloads the CTLS CSV and the one-page PDF, and
the PDF's text (pdftotext) shows the figures the page shows; the link of a CTLS row opens the Orders index
with exactly the orders behind it (counted here by SQL of this test's own over the demo)."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
from playwright.sync_api import expect

from orders_core.reports.monthly.files import PDF_CTLS_ROWS
from orders_core.reports.monthly.months import last_complete_month
from tests.conftest import ANCHOR
from tests.e2e.conftest import LINK_TABLE, wait_for_app

pytestmark = pytest.mark.browser

MONTH = last_complete_month(ANCHOR)
CLASS_OF = {"Dried": "dried", "Extracts - ingested": "extract for ingestion"}  # the demo's two categories
BEHIND = f"""
    WITH classed AS (
        SELECT p.sku, p.is_cannabis, coalesce(pc.regulatory_class, CASE p.category::VARCHAR
               WHEN 'Dried flower' THEN 'dried' WHEN 'Pre-rolls' THEN 'dried'
               WHEN 'Oil' THEN 'extract for ingestion' WHEN 'Capsules' THEN 'extract for ingestion' END) AS cls
        FROM products p LEFT JOIN product_classes pc ON pc.sku = p.sku)
    SELECT list(DISTINCT id ORDER BY id) FROM (
        SELECT o.order_id AS id FROM orders o JOIN order_lines l ON l.order_id = o.order_id
        JOIN classed k ON k.sku = l.sku JOIN clients c ON c.client_id = o.client_id
        WHERE o.shipped_on BETWEEN DATE '{MONTH.first_day}' AND DATE '{MONTH.last_day}'
          AND o.status::VARCHAR IN ('Shipped', 'Delivered') AND k.is_cannabis AND c.province = ? AND k.cls = ?
        UNION ALL
        SELECT o.order_id FROM order_returns r JOIN order_return_lines rl ON rl.return_id = r.return_id
        JOIN orders o ON o.order_id = rl.order_id JOIN classed k ON k.sku = rl.sku
        JOIN clients c ON c.client_id = o.client_id
        WHERE r.received_on BETWEEN DATE '{MONTH.first_day}' AND DATE '{MONTH.last_day}'
          AND k.is_cannabis AND c.province = ? AND k.cls = ?)"""


def download(page, button: str):
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button).click()
    return info.value.path()


def test_a_manager_downloads_last_months_reports_and_opens_a_figures_orders(server, manager_page, demo_sql):
    page = manager_page
    page.goto(server + "/reports")
    wait_for_app(page)
    page.get_by_role("combobox", name="Month").click()
    page.get_by_role("option", name=MONTH.label()).click()
    wait_for_app(page)
    assert f"month={MONTH}" in page.url

    # The page's figures: section 297 (its grid) and the CTLS rows and totals (a table of links).
    s297 = page.get_by_test_id("stDataFrame").first
    expect(s297).to_contain_text("valid registration on the last day")
    found = re.search(r"\(s\. 297\(1\)\(a\)\)\s*([\d,]+)", s297.text_content())
    assert found, s297.text_content()
    valid = found.group(1)
    page.get_by_role("tab", name="CTLS sales").click()
    table = page.locator(LINK_TABLE).first
    expect(table).to_be_visible()
    rows = [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in table.locator("tbody tr").all()]
    assert rows, "the demo shipped cannabis in the month"
    totals = page.get_by_text(re.compile(r"^Totals: ")).inner_text()
    units, kg, value, returned = re.match(
        r"Totals: ([\d,]+) units sold, ([\d.]+) kg, \$([\d,.]+); ([\d,]+) units returned", totals).groups()

    # The CSV: the guide's fields, the page's rows, numbers at CTLS precision (no grouping, no "$").
    with open(download(page, "CTLS sales (CSV)"), encoding="utf-8-sig") as fh:
        lines = list(csv.DictReader(io.StringIO(fh.read())))
    assert [(r["Reporting period year"], r["Reporting period month"]) for r in lines] == (
        [(f"{MONTH.year}", f"{MONTH.month:02d}")] * len(rows))
    assert [[r["Province or territory"], r["Product category"], f"{int(r['Packaged units sold']):,}",
             r["Quantity sold"], r["Unit of measure"], f"${float(r['Value of sales ($)']):,.2f}"] for r in lines] == (
        [row[:6] for row in rows])

    # The PDF: the same figures, as pdftotext reads them.
    pdf = download(page, "One-page summary (PDF)")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"Monthly reports to Health Canada: {MONTH.label()}" in text
    assert re.search(rf"\(s\. 297\(1\)\(a\)\)\s+{valid}\n", text)
    for label, figure in (("Packaged units sold", units), (r"Quantity sold \(kg, weighed categories\)", kg),
                          ("Value of sales", f"\\${re.escape(value)}"), ("Packaged units returned", returned)):
        assert re.search(rf"{label}\s+{figure}\n", text), (label, figure)
    for province, category, sold, quantity, unit, money, *_rest in rows[:PDF_CTLS_ROWS]:
        assert re.search(rf"{province}\s+{re.escape(category)}\s+{sold}\s+{quantity}\s+{unit}\s+"
                         rf"{re.escape(money.lstrip('$'))}\s", text), (province, category)
    if len(rows) > PDF_CTLS_ROWS:  # one page: the rest are in the CSV, and the PDF says so
        assert f"… and {len(rows) - PDF_CTLS_ROWS} more rows: see the CSV file." in text

    # The first row's link: the Orders index with exactly its orders.
    province, category = rows[0][0], rows[0][1]
    expected = demo_sql(BEHIND, [province, CLASS_OF[category]] * 2)
    assert expected
    table.locator("tbody tr").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/\?figure=ctls-sales"), timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_text(f"The orders behind CTLS sales, {MONTH.label()}, {province} / {category}")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^{len(expected):,} orders?$"))).to_be_visible()
    index = page.locator(LINK_TABLE).first
    listed = sorted(int(t) for t in index.locator("tbody tr td:first-child").all_inner_texts())
    assert listed == expected
