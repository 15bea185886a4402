"""The layout: every link is right as a fresh server's very first request, and the sidebar switches pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import MANAGER, identity_cookie, sidebar_link, start_server, stop_server, wait_for_app

pytestmark = pytest.mark.browser

SIDEBAR_LINKS = ["Orders", "Recurring Orders", "Clients", "Metrics"]


def _ids(demo_sql) -> tuple[int, int]:
    order_id = demo_sql("SELECT min(order_id) FROM orders")
    client_id = demo_sql("SELECT min(client_id) FROM clients")
    return order_id, client_id


def _links(demo_sql):
    order_id, client_id = _ids(demo_sql)
    return [
        ("/", "Orders", "Search"),
        (f"/order?id={order_id}", f"Order {order_id}", "Event history"),
        (f"/client?id={client_id}", None, "Prescription Periods"),
        ("/recurring", "Recurring Orders", "Generate due orders"),
        ("/clients", "Clients", "clients"),
        ("/metrics", "Metrics", "Date range"),
    ]


def _sidebar_is_shared(pg) -> None:
    sidebar = pg.get_by_test_id("stSidebar")
    for label in SIDEBAR_LINKS:
        expect(sidebar_link(pg, label)).to_be_visible()
    expect(sidebar.get_by_test_id("stSidebarNav")).to_have_count(0)  # Streamlit's own page list is hidden


@pytest.mark.parametrize("index", range(6))
def test_each_link_is_right_as_a_fresh_servers_first_request(index, db_path, browser, demo_sql):
    path, heading, text = _links(demo_sql)[index]
    proc, url = start_server(db_path)
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_cookies([identity_cookie(url, MANAGER)])  # signed in, without a request before this one
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        pg.goto(url + path)
        pg.get_by_text("Signed in as").wait_for(timeout=60_000)
        wait_for_app(pg)
        main = pg.get_by_test_id("stMain")
        if heading:
            expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(main.get_by_text(text).first).to_be_visible()
        expect(pg.get_by_text("Page not found")).to_have_count(0)
        _sidebar_is_shared(pg)
        context.close()
    finally:
        stop_server(proc)


def test_the_sidebar_switches_pages(server, manager_page):
    page = manager_page  # the Operations Manager's sidebar has every one of these links
    page.goto(server + "/")
    wait_for_app(page)
    for label, path in (("Metrics", "/metrics"), ("Clients", "/clients"),
                        ("Recurring Orders", "/recurring"), ("Orders", "/")):
        sidebar_link(page, label).click()
        page.wait_for_url(re.compile(re.escape(server + path) + "$"))
        wait_for_app(page)
        expect(page.get_by_test_id("stMain").get_by_role("heading", name=label, exact=True)).to_be_visible()
        _sidebar_is_shared(page)
