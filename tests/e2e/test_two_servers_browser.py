"""Two `streamlit run` servers on one PostgreSQL database, as a licence holder with several app servers runs.

What one server writes, the other shows; and two CSRs on the two servers saving orders for one client at
the same moment cannot take the client past the period's allowance: one is saved, the other is refused
with the reason.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CSR, start_server, stop_server, wait_for_app
from tests.order_helpers import make_client

pytestmark = [pytest.mark.browser, pytest.mark.postgresql]

NAME = "Rosalie Deux-Serveurs"


@pytest.fixture
def two_servers(pg_demo_db, tmp_path):
    """The demo on PostgreSQL, a client allowed 60 g a period, and two app servers over it."""
    client_id = make_client(pg_demo_db.cursor(), NAME, gpd="2")
    started = []
    try:
        for n in (1, 2):
            folder = tmp_path / f"server{n}"
            folder.mkdir()
            started.append(start_server(pg_demo_db.url, log_dir=folder))
        yield client_id, [url for _proc, url in started]
    finally:
        for proc, _url in started:
            stop_server(proc)


def _fill_order(pg, url: str, client_id: int, units: int) -> None:
    """Open the client's profile and fill a new order of ``units`` x Blue Dream 15 g, ready to save."""
    pg.goto(f"{url}/client?id={client_id}")
    wait_for_app(pg)
    expect(pg.get_by_role("heading", name=NAME)).to_be_visible()
    pg.get_by_role("button", name="Create New Order", exact=True).click()
    wait_for_app(pg)
    product = pg.get_by_role("combobox", name="Add a product")
    product.click()
    product.fill("Blue Dream 15")
    pg.get_by_role("option", name=re.compile("Blue Dream 15 g")).click()
    wait_for_app(pg)
    for label, value in (("Units", str(units)), ("Order placed by", NAME)):
        box = pg.get_by_role("textbox", name=label)
        box.fill(value)
        box.press("Enter")
        wait_for_app(pg)
    pg.get_by_text("Client agreed to the return and exchange policy").click()
    wait_for_app(pg)
    pg.get_by_role("combobox", name="Carrier").click()
    pg.get_by_role("option", name="Purolator").click()
    wait_for_app(pg)
    expect(pg.get_by_text(re.compile(rf"Cannabis: {units * 15} g"))).to_be_visible()


def _saved_id(pg) -> int:
    saved = pg.get_by_text(re.compile(r"^Order \d+ saved: it is Open\.$"))
    expect(saved).to_be_visible()
    return int(saved.inner_text().split()[1])


def test_what_one_server_writes_the_other_shows(two_servers, page_as):
    client_id, (one, two) = two_servers
    on_one, on_two = page_as(CSR, one), page_as(CSR, two)
    _fill_order(on_one, one, client_id, units=2)
    on_one.get_by_role("button", name="Save order", exact=True).click()
    wait_for_app(on_one)
    order_id = _saved_id(on_one)

    on_two.goto(f"{two}/?q={order_id}")
    wait_for_app(on_two)
    cells = on_two.locator("table.orders-links tbody td")
    expect(cells.first).to_have_text(str(order_id))
    row = cells.all_inner_texts()[:8]
    assert row[1:3] == [NAME, "30 g"] and row[6] == "Open"

    # Archived on server two, it is archived on server one.
    on_two.goto(f"{two}/order?id={order_id}")
    wait_for_app(on_two)
    on_two.get_by_role("button", name="Archive", exact=True).click()
    wait_for_app(on_two)
    expect(on_two.get_by_text("Archived.", exact=True)).to_be_visible()
    on_one.goto(f"{one}/order?id={order_id}")
    wait_for_app(on_one)
    expect(on_one.get_by_text(re.compile(r"Archived at: \d{4}-\d\d-\d\d"))).to_be_visible()


def test_two_csrs_on_two_servers_cannot_exceed_the_allowance(two_servers, page_as):
    client_id, (one, two) = two_servers
    pages = [page_as(CSR, one), page_as(CSR, two)]
    for pg, url in zip(pages, (one, two), strict=True):
        _fill_order(pg, url, client_id, units=3)  # 45 g each: one fits the 60 g period, both do not
    buttons = [pg.get_by_role("button", name="Save order", exact=True) for pg in pages]
    for button in buttons:  # both saves are sent before either answers
        button.click(no_wait_after=True)
    for pg in pages:
        wait_for_app(pg)
    outcomes = []
    for pg in pages:
        saved = pg.get_by_text(re.compile(r"^Order \d+ saved: it is Open\.$"))
        refused = pg.get_by_text("The order was not saved:").locator("xpath=ancestor::*[@data-testid='stAlert']")
        expect(saved.or_(refused).first).to_be_visible()
        outcomes.append("saved" if saved.count() else refused.inner_text())
    assert sorted(o == "saved" for o in outcomes) == [False, True], outcomes
    reason = next(o for o in outcomes if o != "saved")
    assert "more than the 15 g left in the prescription period" in reason, reason
