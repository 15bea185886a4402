"""In Chromium, from an empty database: add a product, register a client, approve them, add a medical
document and a policy, and create an order for that client with that product; then import a clients file
with two bad rows (nothing written, both reported), fix it, and import it twice (no duplicate)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from orders_core.staff.members import add_demo_staff
from orders_core.storage.database import Database
from tests.e2e.conftest import MANAGER, sidebar_link, sign_in, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)
NAME = "Éloïse Tremblay-Navigatrice"


@pytest.fixture
def empty_server(tmp_path):
    path = tmp_path / "empty.duckdb"
    db = Database(str(path))
    add_demo_staff(db.con, dt.datetime(2026, 11, 26, 8))  # a new database's first people (orders-core staff add)
    db.close()
    proc, url = start_server(path)
    yield url, path
    stop_server(proc)


def fill(page, label: str, text: str) -> None:
    box = page.get_by_role("textbox", name=label, exact=True)
    box.fill(text)


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=re.compile(rf"^{re.escape(option)}")).first.click()


def date(page, label: str, day: dt.date) -> None:
    """Type a date into Streamlit's date field (year, month and day segments)."""
    page.get_by_role("spinbutton", name=f"year, {label}").first.click()
    page.keyboard.type(f"{day:%Y}")
    page.get_by_role("spinbutton", name=f"month, {label}").first.click()
    page.keyboard.type(f"{day:%m}")
    page.get_by_role("spinbutton", name=f"day, {label}").first.click()
    page.keyboard.type(f"{day:%d}")
    page.keyboard.press("Tab")


def submit(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    wait_for_app(page)


def test_from_an_empty_database_to_a_first_order(empty_server, page):
    url, _ = empty_server
    sign_in(page, url, MANAGER)  # keeps the catalogue, registers clients, creates orders
    page.goto(url + "/products")
    wait_for_app(page)
    expect(page.get_by_text("The catalogue is empty.")).to_be_visible()
    fill(page, "SKU", "FL-PK-035")
    fill(page, "Name", "Pink Kush 3.5 g")
    fill(page, "Brand", "Laurentian Growers")
    choose(page, "Regulatory class", "dried")
    fill(page, "Net content per unit", "3.5")
    choose(page, "Unit", "g")
    fill(page, "Price", "$32.50")
    fill(page, "Lot", "PK-114")
    fill(page, "Bin", "A-01-1")
    submit(page, "Add the product")
    expect(page.get_by_text("Added FL-PK-035.")).to_be_visible()

    sidebar_link(page, "Clients").click()
    expect(page.get_by_text("There are no clients yet.")).to_be_visible()
    wait_for_app(page)
    fill(page, "Name", NAME)
    date(page, "Date of birth", dt.date(1968, 4, 21))
    fill(page, "Email", "eloise@example.ca")
    fill(page, "Shipping address (from the registration document)", "4120 rue Saint-Denis")
    fill(page, "City", "Montréal")
    choose(page, "Province", "QC")
    fill(page, "Postal code", "K2W 2M5")
    submit(page, "Register the client")
    refusal = page.get_by_text("Nothing was saved:").locator("xpath=ancestor::*[@data-testid='stAlert']")
    expect(refusal).to_contain_text("Postal code starts with K, which is not a postal code of Quebec.")
    fill(page, "Postal code", "h2w 2m5")
    submit(page, "Register the client")
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    wait_for_app(page)

    submit(page, "Approve registration")
    expect(page.get_by_text("Registration status: Pending Verification → Approved")).to_be_visible()

    page.get_by_role("tab", name="Prescription Periods").click()
    fill(page, "Daily quantity (g of dried cannabis)", "2")
    date(page, "Valid from", dt.date.today() - dt.timedelta(days=3))
    date(page, "Valid until (at most one year later)", dt.date.today() + dt.timedelta(days=300))
    fill(page, "Practitioner's name", "Dre Marie-Claude Gagnon")
    fill(page, "Practitioner's licence number", "CMQ 12345")
    submit(page, "Save the document")
    expect(page.get_by_text(re.compile(r"^Medical document \d+ saved\.$"))).to_be_visible()

    page.get_by_role("tab", name="Prescription Periods").click()
    page.get_by_text("Add a policy").click()
    fill(page, "Insurer (or Veterans Affairs Canada)", "VAC")
    fill(page, "Share paid (%)", "80")
    fill(page, "Dollar maximum per 30-day period", "$20.00")
    submit(page, "Save the policy")
    expect(page.get_by_text(re.compile(r"^Policy \d+ saved\.$"))).to_be_visible()

    page.get_by_role("tab", name="Orders").click()
    submit(page, "Create New Order")
    product = page.get_by_role("combobox", name="Add a product")
    product.click()
    product.fill("Pink Kush")
    page.get_by_role("option", name=re.compile("Pink Kush 3.5 g")).click()
    wait_for_app(page)
    units = page.get_by_role("textbox", name="Units")
    units.fill("2")
    units.press("Enter")
    wait_for_app(page)
    placed = page.get_by_role("textbox", name="Order placed by")
    placed.fill(NAME)
    placed.press("Enter")
    wait_for_app(page)
    page.get_by_text("Client agreed to the return and exchange policy").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"Cannabis: 7 g"))).to_be_visible()
    submit(page, "Save order")
    saved = page.get_by_text(re.compile(r"^Order \d+ saved: it is Open\.$"))
    expect(saved).to_be_visible()
    # $65.00 less Veterans Affairs Canada's 80% up to $20.00 = $45.00
    order_id = saved.inner_text().split()[1]
    orders = page.locator("table.orders-links").filter(has_text=order_id)
    expect(orders).to_contain_text("$45.00")
    expect(orders).to_contain_text("7 g")


HEADER = ("client_number,name,date_of_birth,email,phone,address_line1,address_line2,city,province,postal_code,"
          "registration_status,registered_on")
ROWS = [
    "A-1,Éloïse Tremblay,1968-04-21,e@example.ca,514-555-0148,4120 rue Saint-Denis,,Montréal,QC,H2W 2M5,Approved,2025-09-02",
    "A-2,Bob Smith,21/04/1970,,416 555 0100,1 King St W,,Toronto,ON,M5H 1A1,,2025-09-02",
    "A-3,Chloé Côté,1980-01-31,c@example.ca,,2 rue X,,Québec,QC,G1R 4P5,Approved,2025-10-01",
]


def upload(page, tmp_path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8-sig")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"rows in the file"))).to_be_visible()


def test_import_clients_bad_rows_then_fixed_then_again(empty_server, page, tmp_path):
    url, path = empty_server
    sign_in(page, url, MANAGER)
    page.goto(url + "/import")
    wait_for_app(page)
    bad = [ROWS[0], ROWS[1].replace("M5H 1A1", "H5H 1A1"), ROWS[2].replace("1980-01-31", "03/04/1980")]
    upload(page, tmp_path, "clients-bad.csv", bad)
    submit(page, "Check the file")
    expect(page.get_by_text("Nothing was imported: 2 of 3 rows have problems (2 in all)")).to_be_visible()
    problems = page.locator('[data-testid="stDataFrame"]').last
    expect(problems).to_contain_text("postal_code")
    expect(problems).to_contain_text("date_of_birth")
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()

    upload(page, tmp_path, "clients.csv", ROWS)
    submit(page, "Check the file")
    expect(page.get_by_text("Ready to import (nothing written yet): 3 clients rows, 3 new")).to_be_visible()
    submit(page, "Import")
    expect(page.get_by_text("Imported: 3 clients rows, 3 new, 0 updated, 0 unchanged.")).to_be_visible()
    submit(page, "Check the file")
    submit(page, "Import")
    expect(page.get_by_text("Imported: 3 clients rows, 0 new, 0 updated, 3 unchanged.")).to_be_visible()

    sidebar_link(page, "Clients").click()
    wait_for_app(page)
    expect(page.get_by_text("3 clients", exact=True)).to_be_visible()
