"""The Clients page and the Client Profile (AppTest): find, read, and create a new order, on both engines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from orders_core.storage.reads import fetch_one, fetch_value
from tests.app.engines import ENGINES, engine_app_db, with_database
from tests.app.html_tables import html_table
from tests.app.pages import app_page
from tests.order_helpers import make_client


@pytest.fixture(params=ENGINES)
def app_db(request, monkeypatch):
    """The pages on each engine: the demo in a DuckDB file, and the same rows on PostgreSQL."""
    yield from engine_app_db(request, monkeypatch)


def with_db(target, fn):
    return with_database(target, lambda db: fn(db.cursor()))


@pytest.fixture
def client_id(app_db) -> int:
    """A client allowed 2 g a day (60 g an order and a period), with no orders yet."""
    return with_db(app_db, lambda cur: make_client(cur, "Éloïse Bérubé-Test", gpd="2"))


def profile(client_id) -> AppTest:
    """The Client Profile as the app serves it: app.py's navigation, then the page with ?id=."""
    at = app_page("pages/client.py")
    if client_id is not None:
        at.query_params["id"] = str(client_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_clients_page_lists_and_searches(app_db, client_id):
    at = app_page("pages/clients.py").run()
    assert not at.exception
    total = with_db(app_db, lambda cur: fetch_value(cur, "SELECT count(*) FROM clients"))
    assert f"**{total:,} clients**" in [m.value for m in at.markdown]
    assert list(html_table(at).frame.columns) == ["Client ID", "Name", "Registration", "Grams/day",
                                                   "Valid Until", "Open Orders"]
    at.text_input(key="clients_search").input("eloise berube").run()
    rows = html_table(at).frame
    assert rows["Name"].tolist() == ["Éloïse Bérubé-Test"]  # a link, reading as the name
    assert [(k.href, k.label) for k in html_table(at).links] == [(f"client?id={client_id}",
                                                                   "Client Éloïse Bérubé-Test")]
    assert rows["Grams/day"].tolist() == ["2 g"]
    at.text_input(key="clients_search").input("'; DROP TABLE clients; --").run()
    assert not at.exception
    assert "**0 clients**" in [m.value for m in at.markdown]
    assert any("No clients match" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("value", "sentence"),
    [(None, "No client was chosen: find one on the Clients page (the link needs ?id=\\<client id\\>)."),
     ("abc", "'abc' is not a client id: a client id is a number such as 1001."),
     ("424242", "There is no client 424242: find the client on the Clients page.")],
)
def test_profile_with_a_bad_id_says_so(app_db, value, sentence):
    at = profile(value)
    assert [e.value for e in at.error] == [sentence]


def test_profile_shows_identity_prescription_and_tabs(app_db):
    at = profile(1002)
    assert at.title[0].value == "François Côté"
    text = " ".join(m.value for m in at.markdown)
    assert "Registered shipping address" in text and "Prescription" in text and "Coverage policies" in text
    assert [t.label for t in at.tabs] == ["Orders", "Prescription Periods", "Recurring Order"]
    orders = html_table(at).frame
    n = with_db(app_db, lambda cur: fetch_value(
        cur, "SELECT count(*) FROM orders WHERE client_id = 1002 AND archived_at IS NULL"))
    assert len(orders) == min(n, 25) and set(orders["Client"]) == {"François Côté"}  # a page of 25
    [periods] = [d.value for d in at.tabs[1].dataframe if "Allowance" in d.value.columns]
    assert list(periods.columns) == ["Period", "From", "To", "Allowance", "Used", "Available", "Orders"]


def lines_keys(at, suffix):
    return [t.key for t in at.text_input if t.key.endswith(suffix)]


def test_create_new_order_refused_then_saved(app_db, client_id):
    at = profile(client_id)
    at.button(key="create_new_order").click().run()
    prefix = f"new_{client_id}"
    at.selectbox(key=f"{prefix}_pick").select("FL-BB-150").run()
    at.text_input(key=lines_keys(at, "_units")[0]).input("5").run()  # 75 g: over the 60 g limit
    assert "$525.00" in [m.value for m in at.metric]
    assert any("Cannabis: 75 g" in m.value for m in at.markdown)
    before = with_db(app_db, lambda cur: fetch_value(cur, "SELECT count(*) FROM orders"))
    at.button(key=f"{prefix}_save").click().run()
    [error] = [e.value for e in at.tabs[0].error]
    assert error.startswith("The order was not saved:")
    assert "- Say who placed the order ('Order placed by')." in error
    assert "- The client has not agreed to the return and exchange policy." in error
    assert "over Éloïse Bérubé-Test's limit of 60 g per order" in error
    assert with_db(app_db, lambda cur: fetch_value(cur, "SELECT count(*) FROM orders")) == before

    at.text_input(key=lines_keys(at, "_units")[0]).input("3").run()  # 45 g
    at.selectbox(key=f"{prefix}_pick").select("AC-GRN-001").run()
    at.selectbox(key=f"{prefix}_carrier").select("Purolator").run()
    at.text_input(key=f"{prefix}_shipping").input("14.25").run()
    at.text_input(key=f"{prefix}_discount").input("15").run()
    at.button(key=f"{prefix}_by_client").click().run()
    assert at.text_input(key=f"{prefix}_placed_by").value == "Éloïse Bérubé-Test"
    at.checkbox(key=f"{prefix}_agreed").check().run()
    assert "$338.25" in [m.value for m in at.metric]  # 315 + 24 - 15 + 14.25
    at.button(key=f"{prefix}_save").click().run()
    assert not at.tabs[0].error
    [success] = [s.value for s in at.success]
    order_id = int(success.split()[1])
    row = with_db(app_db, lambda cur: fetch_one(
        cur, "SELECT status::VARCHAR, source::VARCHAR, placed_by, total_due, grams, carrier FROM orders "
             "WHERE order_id = ?", [order_id]))
    assert [str(v) for v in row] == ["Open", "CSR", "Éloïse Bérubé-Test", "338.25", "45.000", "Purolator"]
    orders = html_table(at).frame
    assert orders["Order ID"].tolist() == [str(order_id)]
    assert orders.iloc[0][["Quantity", "Total Due", "Status", "Carrier"]].tolist() == [
        "45 g", "$338.25", "Open", "Purolator"]


def test_non_numeric_inputs_are_refused_with_reasons(app_db, client_id):
    at = profile(client_id)
    at.button(key="create_new_order").click().run()
    prefix = f"new_{client_id}"
    at.selectbox(key=f"{prefix}_pick").select("FL-PK-035").run()
    at.text_input(key=lines_keys(at, "_units")[0]).input("lots").run()
    at.text_input(key=lines_keys(at, "_price")[0]).input("-3").run()
    at.text_input(key=f"{prefix}_placed_by").input("Client").run()
    at.checkbox(key=f"{prefix}_agreed").check().run()
    at.button(key=f"{prefix}_save").click().run()
    error = [e.value for e in at.tabs[0].error if e.value.startswith("The order was not saved:")][0]
    assert "- Line 1 (Pink Kush 3.5 g): the quantity 'lots' is not a number." in error
    assert "- Line 1 (Pink Kush 3.5 g): the unit price '-3' is negative." in error
    assert with_db(app_db, lambda cur: fetch_value(
        cur, "SELECT count(*) FROM orders WHERE client_id = ?", [client_id])) == 0


@pytest.mark.parametrize("units, price, shown", [
    ("-1", None, "Line 1: the quantity '-1' is negative."),
    ("abc", None, "Line 1: the quantity 'abc' is not a number."),
    ("1e9", None, "Line 1: the quantity '1e9' is not a number."),
    ("1", "-32.50", "Line 1: the unit price '-32.50' is negative."),
    ("1", "1,234", "Line 1: the unit price '1,234' is ambiguous: write it without the ',' for a whole number, "
                   "or with at most two decimals."),
])
def test_the_preview_shows_a_bad_figure_at_once_and_no_totals(app_db, client_id, units, price, shown):
    at = profile(client_id)
    at.button(key="create_new_order").click().run()
    prefix = f"new_{client_id}"
    at.selectbox(key=f"{prefix}_pick").select("FL-PK-035").run()
    assert "$32.50" in [m.value for m in at.metric]
    at.text_input(key=lines_keys(at, "_units")[0]).input(units).run()
    if price is not None:
        at.text_input(key=lines_keys(at, "_price")[0]).input(price).run()
    assert [e.value for e in at.tabs[0].error] == [shown]  # under the field, before any Save
    assert not at.tabs[0].metric  # no Subtotal $0.00, no plausible total built from bad input
    assert not any("Cannabis:" in m.value or "no cannabis" in m.value for m in at.markdown)
    assert "Correct the figures marked above: the totals appear when every figure is valid." in [
        w.value for w in at.warning]


def test_a_french_decimal_comma_prices_the_preview_and_a_far_price_asks_to_confirm(app_db, client_id):
    at = profile(client_id)
    at.button(key="create_new_order").click().run()
    prefix = f"new_{client_id}"
    at.selectbox(key=f"{prefix}_pick").select("FL-PK-035").run()
    at.text_input(key=lines_keys(at, "_units")[0]).input("2").run()
    at.text_input(key=lines_keys(at, "_price")[0]).input("30,50").run()
    assert "$61.00" in [m.value for m in at.metric]
    at.text_input(key=lines_keys(at, "_price")[0]).input("3050").run()
    [warning] = [w.value for w in at.warning]
    assert warning == ("Line 1 (Pink Kush 3.5 g): the unit price \\$3,050.00 is far from the catalogue price "
                       "\\$32.50 (more than 10 times or under a tenth of it).")
    at.text_input(key=f"{prefix}_placed_by").input("Client").run()
    at.checkbox(key=f"{prefix}_agreed").check().run()
    at.button(key=f"{prefix}_save").click().run()
    assert with_db(app_db, lambda cur: fetch_value(cur, "SELECT count(*) FROM orders WHERE client_id = ?",
                                                   [client_id])) == 0
    at.checkbox(key=f"{prefix}_prices_ok").check().run()
    at.button(key=f"{prefix}_save").click().run()
    assert with_db(app_db, lambda cur: fetch_value(
        cur, "SELECT l.unit_price FROM order_lines l JOIN orders o USING (order_id) WHERE o.client_id = ?",
        [client_id])) == Decimal("3050.00")
