"""The Orders index's URL: what a shared link says comes back the same; a bad link is explained."""

from __future__ import annotations

import datetime as dt

from orders_core.index import OrderQuery
from ui.url_state import params_from_query, problems_sentence, query_from_params


def test_default_query_has_a_clean_url():
    assert params_from_query(OrderQuery()) == {}
    assert query_from_params({}) == (OrderQuery(), [])


def test_round_trip():
    q = OrderQuery(view="Archived", search="Côté", sort="Status", descending=False,
                   statuses=("Shipped", "Delivered"), carriers=("UPS",), sources=("CSR",),
                   created_from=dt.date(2026, 1, 1), created_to=dt.date(2026, 3, 31), page=3, page_size=100)
    params = params_from_query(q)
    assert params["status"] == "Shipped,Delivered" and params["sort"] == "status" and params["dir"] == "asc"
    assert query_from_params(params) == (q, [])


def test_bad_parts_are_dropped_and_named():
    q, problems = query_from_params({"view": "Everything", "status": "Shipped,Lost", "from": "yesterday",
                                     "page": "-2", "sort": "id"})
    assert q == OrderQuery(statuses=("Shipped",), sort="Order ID")
    assert problems == ["view 'Everything'", "status 'Lost'", "date 'yesterday'", "page '-2'"]
    assert problems_sentence(problems[:1]) == "This link's view 'Everything' could not be used and was left out."


def test_reversed_dates_are_dropped():
    q, problems = query_from_params({"from": "2026-02-01", "to": "2026-01-01"})
    assert q.created_from is None and q.created_to is None
    assert problems == ["a 'from' date after the 'to' date"]
