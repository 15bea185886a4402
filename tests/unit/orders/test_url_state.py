"""The Orders index's URL: what a shared link says comes back the same; a bad link is explained."""

from __future__ import annotations

import datetime as dt

from orders_core.orders.index import OrderQuery
from orders_core.reports.metrics import MetricsFilter
from ui.url_state import (
    MetricsState,
    metrics_state_from_params,
    orders_link,
    params_from_metrics_state,
    params_from_query,
    problems_sentence,
    query_from_params,
)


def test_default_query_has_a_clean_url():
    assert params_from_query(OrderQuery()) == {}
    assert query_from_params({}) == (OrderQuery(), [])


def test_round_trip():
    q = OrderQuery(view="Archived", search="Côté", sort="Status", descending=False,
                   statuses=("Shipped", "Delivered"), carriers=("UPS",), sources=("CSR",),
                   created_from=dt.date(2026, 1, 1), created_to=dt.date(2026, 3, 31), page=3, page_size=100)
    params = params_from_query(q)
    assert params["status"] == "Shipped,Delivered" and params["sort"] == "status" and "dir" not in params
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


# --- The Metrics page's URL, and its links to the index (from orders_core.reports.metrics) ---------

D = dt.date
TODAY = D(2026, 11, 26)
WEEK = MetricsFilter(D(2026, 11, 20), D(2026, 11, 26))


def test_orders_link_uses_the_index_url_parameters():
    f = MetricsFilter(WEEK.start, WEEK.end, carriers=("UPS",))
    link = orders_link(f, first_day=D(2026, 11, 20), last_day=D(2026, 11, 22), source="CSR")
    assert link == {"from": "2026-11-20", "to": "2026-11-22", "source": "CSR", "carrier": "UPS"}
    assert query_from_params(link) == (OrderQuery(created_from=D(2026, 11, 20), created_to=D(2026, 11, 22),
                                                  sources=("CSR",), carriers=("UPS",)), [])
    link = orders_link(WEEK, statuses=("Shipped", "Delivered"), carrier="Canada Post", view="Unverified")
    assert link == {"view": "Unverified", "status": "Shipped,Delivered", "carrier": "Canada Post"}


def test_metrics_state_round_trips_through_the_url():
    state = MetricsState("Custom", D(2026, 10, 1), D(2026, 11, 26), ("CSR",), ("UPS",), ("Oil",), "week")
    params = params_from_metrics_state(state)
    assert params == {"range": "custom", "from": "2026-10-01", "to": "2026-11-26", "source": "CSR",
                      "carrier": "UPS", "category": "Oil", "group": "week"}
    assert metrics_state_from_params(params, TODAY, ["UPS"]) == (state, [])
    assert params_from_metrics_state(MetricsState()) == {}


def test_a_bad_metrics_url_keeps_what_it_can():
    state, problems = metrics_state_from_params(
        {"range": "custom", "from": "2026-12-01", "to": "2026-11-01", "carrier": "UPS,Pony Express",
         "group": "hour"}, TODAY, ["UPS"])
    assert state == MetricsState(carriers=("UPS",))
    assert problems == ["custom dates", "carrier 'Pony Express'", "grouping 'hour'"]


def test_unusual_values_are_named_short_and_literally():
    q, problems = query_from_params({"q": "x" * 501, "page": "²", "size": "٥٠", "view": "**All** :red[x]"})
    assert q == OrderQuery()
    assert problems == ["'q' (501 characters, too long)", "view '\\*\\*All\\*\\* \\:red\\[x\\]'",
                        "page '²'", "size '٥٠'"]
    q, problems = query_from_params({"page": "9" * 30, "from": "２０２６-０１-０１"})
    assert q == OrderQuery() and len(problems) == 2
    state, problems = metrics_state_from_params({"range": "custom", "from": "0001-01-01", "to": "2026-01-01"},
                                                TODAY, [])
    assert state == MetricsState() and problems == ["custom dates"]


def test_a_sort_without_a_direction_starts_in_its_natural_one():
    assert query_from_params({"sort": "status"})[0].descending is False  # Unverified first
    assert query_from_params({"sort": "id"})[0].descending is True
    assert query_from_params({"sort": "status", "dir": "desc"})[0].descending is True
    assert params_from_query(OrderQuery(sort="Status", descending=True))["dir"] == "desc"
