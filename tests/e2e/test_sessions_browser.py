"""Sessions end on the server, tried as an attacker would: a cookie copied before Sign out replayed in a fresh
browser and over a raw WebSocket, a deactivated manager's Export CSV still on screen, an idle screen, and
the way back to the page asked for after signing in (only this app's own pages)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN,
    CSR,
    MANAGER,
    new_page,
    sidebar_link,
    sign_in,
    start_server,
    stop_server,
    wait_for_app,
)
from tests.e2e.websocket_client import page_texts

pytestmark = pytest.mark.browser


def user_cookie(pg) -> str:
    return next(c["value"] for c in pg.context.cookies() if c["name"] == "_streamlit_user")


@pytest.mark.own_server  # its sign-ins end
def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(server, page_as, browser):
    pg = page_as(MANAGER)
    pg.goto(server + "/metrics")
    expect(pg.get_by_role("heading", name="Metrics", exact=True)).to_be_visible(timeout=60_000)
    copied, cookie = pg.context.cookies(), user_cookie(pg)
    before = page_texts(server, "metrics", user_cookie=cookie)  # the raw WebSocket works while signed in
    assert any(t.startswith("Signed in as") for t in before) and "<plotly_chart>" in before

    pg.get_by_role("button", name="Sign out").click()
    pg.get_by_role("button", name="End session").click(timeout=60_000)
    expect(pg.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)

    after = page_texts(server, "metrics", user_cookie=cookie)
    assert not any("Signed in as" in t for t in after), after
    assert "<plotly_chart>" not in after and "<html>" not in after and "<arrow_data_frame>" not in after
    assert any("You signed out" in t for t in after), after

    replay = new_page(browser)  # a fresh browser holding the copied cookies
    try:
        replay.context.add_cookies(copied)
        for path in ("/metrics", "/", "/clients"):
            replay.goto(server + path)
            expect(replay.get_by_role("heading", name="Signed out")).to_be_visible(timeout=60_000)
            wait_for_app(replay)
            expect(replay.get_by_text("Signed in as")).to_have_count(0)
            expect(replay.locator(".js-plotly-plot, table, [data-testid='stDataFrame']")).to_have_count(0)
    finally:
        replay.context.close()


@pytest.mark.own_server  # deactivates the demo manager
def test_a_deactivated_manager_gets_no_file_from_the_export_button_on_screen(server, page_as):
    manager = page_as(MANAGER)
    main = manager.get_by_test_id("stMain")
    main.get_by_role("button", name="⋮").click()
    export = manager.get_by_role("button", name="Export CSV")
    expect(export).to_be_visible()

    admin = page_as(ADMIN)
    sidebar_link(admin, "Staff").click()
    expect(admin.get_by_role("heading", name="Staff", exact=True)).to_be_visible(timeout=60_000)
    wait_for_app(admin)
    admin.get_by_test_id("stMain").get_by_role("combobox", name="Person").click()
    admin.get_by_role("option", name=re.compile(re.escape(MANAGER.email))).click()
    wait_for_app(admin)
    admin.get_by_role("button", name="Deactivate").click()
    expect(admin.get_by_text(f"Deactivated {MANAGER.name}")).to_be_visible(timeout=30_000)

    downloads = []
    manager.on("download", lambda d: downloads.append(d))
    export.click()  # the menu drawn before the deactivation, still on screen
    manager.wait_for_timeout(8_000)
    assert downloads == []  # no file: the export is made for the person signed in when it is clicked
    manager.reload()
    expect(manager.get_by_role("heading", name="No access")).to_be_visible(timeout=60_000)


def test_an_idle_screen_clears_itself_and_says_why(db_path, browser):
    proc, url = start_server(db_path, extra_env={"ORDERS_IDLE_MINUTES": "0.15"})  # 9 seconds
    pg = new_page(browser)
    try:
        sign_in(pg, url, CSR)
        expect(pg.locator("table")).not_to_have_count(0)
        ended = pg.get_by_role("heading", name="Session ended")
        expect(ended).to_be_visible(timeout=40_000)  # nobody clicked: the page cleared itself
        expect(pg.get_by_text("Your session ended after 9 seconds without activity")).to_be_visible()
        expect(pg.locator("table")).to_have_count(0)
        expect(pg.get_by_text("Signed in as")).to_have_count(0)
        pg.get_by_role("button", name="Sign in").click()
        pg.get_by_role("button", name=CSR.email, exact=True).click(timeout=60_000)
        expect(pg.get_by_text("Signed in as")).to_be_visible(timeout=60_000)  # a new sign-in works at once
    finally:
        pg.context.close()
        stop_server(proc)


def _links(demo_sql) -> list[tuple[str, str]]:
    order = demo_sql("SELECT min(order_id) FROM orders WHERE status = 'Open'")
    client = demo_sql("SELECT min(client_id) FROM clients")
    name = demo_sql("SELECT name FROM clients WHERE client_id = ?", [client])
    return [(f"/order?id={order}", f"Order {order}"), (f"/client?id={client}", name),
            ("/recurring", "Recurring Orders"), ("/clients", "Clients"), ("/metrics", "Metrics")]


def test_each_link_opened_signed_out_lands_on_its_page_after_sign_in(server, browser, demo_sql):
    for link, heading in _links(demo_sql):
        pg = new_page(browser)
        try:
            pg.goto(server + link)
            pg.get_by_role("button", name="Sign in").click(timeout=60_000)
            pg.get_by_role("button", name=MANAGER.email, exact=True).click(timeout=60_000)
            expect(pg.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=60_000)
            assert pg.url == server + link, (pg.url, link)
            expect(pg.get_by_text("Signed in as")).to_be_visible()
        finally:
            pg.context.close()


def test_only_the_apps_own_pages_are_followed(server, browser, demo_sql):
    order = demo_sql("SELECT min(order_id) FROM orders")
    pg = new_page(browser)
    try:
        pg.goto(server + f"/order?id={order}&next=https://evil.example/&redirect_uri=//evil.example")
        pg.get_by_role("button", name="Sign in").click(timeout=60_000)
        pg.get_by_role("button", name=MANAGER.email, exact=True).click(timeout=60_000)
        expect(pg.get_by_role("heading", name=f"Order {order}")).to_be_visible(timeout=60_000)
        assert pg.url.startswith(server + "/order?id=")  # the page asked for, on this server; nothing followed
    finally:
        pg.context.close()
