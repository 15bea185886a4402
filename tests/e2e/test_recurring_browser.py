"""Recurring orders in Chromium: enable a client's template, generate, find the order in the index and its profile."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from tests.e2e.conftest import (
    CSR,
    open_first_link,
    open_first_row,
    sign_in,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser


def _prepare(db_path) -> dict:
    """One Approved client whose Disabled template is due today; every other template is due later."""
    today = dt.date.today()
    db = Database(str(db_path))
    cur = db.cursor()
    try:
        cid = fetch_value(cur, "SELECT min(r.client_id) FROM recurring_orders r JOIN clients c USING (client_id) "
                               "WHERE c.registration_status = 'Approved'")
        cur.execute("UPDATE recurring_orders SET next_order_on = ?::DATE + 20", [today])
        cur.execute("UPDATE recurring_orders SET enabled = FALSE, next_order_on = ? WHERE client_id = ?", [today, cid])
        cur.execute("UPDATE prescriptions SET valid_from = ?::DATE - 40, valid_until = ?::DATE + 300 WHERE client_id = ?",
                    [today, today, cid])
        info = {
            "client_id": cid,
            "name": fetch_value(cur, "SELECT name FROM clients WHERE client_id = ?", [cid]),
            "order_id": fetch_value(cur, "SELECT max(order_id) + 1 FROM orders"),
        }
        db.con.execute("CHECKPOINT")
    finally:
        db.close()
    return info


@pytest.fixture
def recurring_app(db_path):
    info = _prepare(db_path)
    proc, url = start_server(db_path)
    yield url, info
    stop_server(proc)


def test_enable_generate_and_find_the_order(recurring_app, page):
    url, info = recurring_app
    sign_in(page, url, CSR)
    cid, order_id = info["client_id"], info["order_id"]

    # Find the client's template on the Recurring Orders page; its row opens the client's profile.
    page.goto(f"{url}/recurring")
    wait_for_app(page)
    search = page.get_by_role("textbox", name="Search by client")
    search.fill(info["name"])
    search.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text("1 recurring order · select one", exact=False)).to_be_visible()
    open_first_row(page, page.locator('[data-testid="stDataFrame"]').first,
                   re.compile(rf"/client\?id={cid}&tab=recurring$"))
    wait_for_app(page)

    # Enable the template on the client's Recurring Order tab.
    page.get_by_role("tab", name="Recurring Order").click()
    panel = page.get_by_role("tabpanel", name="Recurring Order")
    expect(panel.get_by_text("Disabled", exact=True)).to_be_visible()
    panel.get_by_text("Enabled", exact=True).click()
    wait_for_app(page)
    panel.get_by_role("button", name="Save recurring order").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Recurring Order").click()
    expect(page.get_by_text("Recurring order saved.")).to_be_visible()

    # Generate: first what it will create, then the order.
    page.goto(f"{url}/recurring")
    wait_for_app(page)
    page.get_by_role("button", name="Generate due orders").click()
    wait_for_app(page)
    expect(page.get_by_text("1 Open order from 1 recurring order")).to_be_visible()
    page.get_by_role("button", name="Create 1 order").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(rf"1 order generated from 1 recurring order.*\(order {order_id}\)"))).to_be_visible()
    page.get_by_role("button", name="Generate due orders").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"^Nothing is due on "))).to_be_visible()

    # The Orders index finds it by its ID, and its row opens the Order Profile.
    page.goto(url)
    wait_for_app(page)
    search = page.get_by_role("textbox", name="Search")
    search.fill(str(order_id))
    search.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text("1 order", exact=True)).to_be_visible()
    open_first_link(page, re.compile(rf"/order\?id={order_id}$"))
    wait_for_app(page)
    expect(page.get_by_text(str(order_id)).first).to_be_visible()
    expect(page.get_by_text(info["name"]).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"generated from recurring order")).first).to_be_visible()

    # The Recurring Orders page lists the generated order; its row opens the same profile.
    page.goto(f"{url}/recurring")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Generated orders")).to_be_visible()
    open_first_row(page, page.locator('[data-testid="stDataFrame"]').last, re.compile(rf"/order\?id={order_id}$"))


@pytest.fixture
def app_with_daily_job(db_path):
    """The app with its daily job switched on, over a database where one enabled template is due today."""
    info = _prepare(db_path)
    db = Database(str(db_path))
    db.con.execute("UPDATE recurring_orders SET enabled = TRUE WHERE client_id = ?", [info["client_id"]])
    db.close()
    proc, url = start_server(db_path, {"ORDERS_RECURRING_JOB": "1"})
    yield url, info
    stop_server(proc)


def test_the_running_app_generates_due_orders_by_itself(app_with_daily_job, page):
    url, info = app_with_daily_job
    sign_in(page, url, CSR)
    order_id = info["order_id"]
    page.goto(url)            # the first visit starts the process's daily job, which runs in the background
    wait_for_app(page)
    found = page.get_by_text("1 order", exact=True)
    for _ in range(10):       # look in the Orders index until the job's order is there
        page.goto(f"{url}/?q={order_id}")
        wait_for_app(page)
        try:
            expect(found).to_be_visible(timeout=3000)
            break
        except AssertionError:
            continue
    expect(found).to_be_visible()
    page.goto(f"{url}/recurring")
    wait_for_app(page)
    page.get_by_role("button", name="Generate due orders").click()
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"^Nothing is due on "))).to_be_visible()
