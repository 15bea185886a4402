"""Search understands what people paste: a link to an order or a client of this app, "#100123", an id with
spaces around it, a tracking number with the spaces or dashes the carrier prints. Both engines."""

from __future__ import annotations

import pytest

from orders_core.clients.records import ClientQuery, list_clients
from orders_core.orders.access import list_orders_for
from orders_core.orders.index import OrderQuery
from orders_core.orders.index_search import tracking_forms
from orders_core.rules.parsing import LinkedId, linked_id
from orders_core.storage.reads import fetch_frame, fetch_value
from tests.people import MANAGER_PERSON


@pytest.fixture
def db(engine_demo_db):
    return engine_demo_db


@pytest.mark.parametrize(("text", "expected"), [
    ("http://localhost:8501/order?id=100123", LinkedId("order", 100123)),
    ("https://orders.example.ca/order?id=100123&tab=history#top", LinkedId("order", 100123)),
    ("  /order?id=100123\t", LinkedId("order", 100123)),
    ("order?id=100123", LinkedId("order", 100123)),
    ("192.168.1.20:8501/client?id=1001", LinkedId("client", 1001)),
    ("http://host/base/client?tab=Orders&id=1001", LinkedId("client", 1001)),
    ("/client?id=%31%30%30%31", LinkedId("client", 1001)),
    ("/order?id=%23100123", LinkedId("order", 100123)),
])
def test_links_of_this_app_are_read(text, expected):
    assert linked_id(text) == expected


@pytest.mark.parametrize("text", [
    None, "", "100123", "#100123", "/order", "/order?id=", "/order?id=²", "/order?id=٣", "/orders?id=1",
    "/order?id=1e3", "/client?id=1234567890", "see /order?id=1 please", "http://host/x?next=/order?id=1",
    "/order?id=" + "9" * 19, "javascript:alert(1)//order?id=1 x",
])
def test_anything_else_is_not_a_link(text):
    assert linked_id(text) is None


def test_tracking_forms_as_the_carrier_prints_them():
    assert tracking_forms("1z 999 aa1 01 2345 6784") == ["1Z999AA10123456784"]
    assert tracking_forms("CA-0617-9578-7717") == ["CA-0617-9578-7717", "CA061795787717"]
    assert tracking_forms("1234 567") == []  # 7 characters without spaces: not enough
    assert tracking_forms("Rue Saint-Denis") == []  # no digit


def _order(cur):
    return fetch_frame(cur, "SELECT order_id, client_id, tracking_number FROM orders WHERE tracking_number IS NOT "
                            "NULL AND archived_at IS NULL ORDER BY order_id LIMIT 1").iloc[0]


@pytest.mark.parametrize("form", ["http://localhost:8501/order?id={id}", "/order?id={id}", "#{id}", "  {id}  ",
                                  "# {id}", "\u00a0{id}\u00a0", "https://h/order?id={id}&x=1#y"])
def test_the_index_finds_an_order_by_what_is_pasted(cur, form):
    order = _order(cur)
    found = list_orders_for(cur, OrderQuery(search=form.format(id=int(order.order_id)), page_size=200), MANAGER_PERSON).rows
    assert int(order.order_id) in set(found["Order ID"])
    if "?id=" in form:
        assert list(found["Order ID"]) == [order.order_id], "a link finds that order and nothing else"


def test_the_index_finds_a_clients_orders_by_a_link_to_the_client(cur):
    order = _order(cur)
    found = list_orders_for(cur, OrderQuery(search=f"http://host/client?id={int(order.client_id)}", page_size=200), MANAGER_PERSON)
    expected = fetch_value(cur, "SELECT count(*) FROM orders WHERE client_id = ? AND archived_at IS NULL",
                           [int(order.client_id)])
    assert found.total == expected > 0


def test_a_link_to_an_order_that_does_not_exist_finds_nothing(cur):
    assert list_orders_for(cur, OrderQuery(search="/order?id=999999999"), MANAGER_PERSON).total == 0


@pytest.mark.parametrize("printed", ["spaces", "dashes", "both", "lower"])
def test_the_index_finds_a_tracking_number_as_the_carrier_prints_it(cur, printed):
    order = _order(cur)
    t = order.tracking_number
    text = {"spaces": " ".join(t[i:i + 4] for i in range(0, len(t), 4)),
            "dashes": "-".join(t[i:i + 4] for i in range(0, len(t), 4)),
            "both": f" {t[:2]} {t[2:6]}-{t[6:10]}-{t[10:]} ",
            "lower": t.lower()}[printed]
    found = list_orders_for(cur, OrderQuery(search=text, page_size=200), MANAGER_PERSON).rows
    assert list(found["Order ID"]) == [order.order_id], text


@pytest.mark.parametrize("form", ["{id}", " {id} ", "#{id}", "/client?id={id}", "http://h:8501/client?id={id}"])
def test_clients_search_finds_a_client_by_what_is_pasted(cur, form):
    client_id = fetch_value(cur, "SELECT min(client_id) FROM clients")
    found = list_clients(cur, ClientQuery(search=form.format(id=client_id)), MANAGER_PERSON).rows
    assert client_id in set(found["Client ID"])
    if "?id=" in form:
        assert list(found["Client ID"]) == [client_id]


def test_clients_search_finds_the_client_of_a_pasted_order_link(cur):
    order = _order(cur)
    found = list_clients(cur, ClientQuery(search=f"http://localhost:8501/order?id={int(order.order_id)}"), MANAGER_PERSON).rows
    assert list(found["Client ID"]) == [order.client_id]
    assert list_clients(cur, ClientQuery(search="/order?id=999999999"), MANAGER_PERSON).total == 0
