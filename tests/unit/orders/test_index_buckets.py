"""Pages read by buckets (``orders.index_buckets``, DuckDB) are the plain query's pages: the same rows in the
same order and the same total, for every sort and direction, filters, ties in the sort key, pages past the
end, and orders archived or changed between two page loads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orders_core.orders import index_buckets, lifecycle
from orders_core.orders.archive import archive_orders
from orders_core.orders.index import OrderQuery, _list_orders
from orders_core.storage import dialect
from orders_core.storage.reads import fetch_value
from tests.people import MANAGER_PERSON

SORTS = [("Created At", True), ("Created At", False), ("Order ID", True), ("Order ID", False),
         ("Status", False), ("Status", True)]


@pytest.fixture
def used(monkeypatch):
    """How many pages the bucket path answered (not left to the plain query)."""
    real, calls = index_buckets.bucket_page, []

    def counting(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr("orders_core.orders.index.bucket_page", counting)
    return calls


def plain(cur, q: OrderQuery, monkeypatch):
    """The page as the plain query (ORDER BY ... LIMIT ... OFFSET) gives it."""
    with monkeypatch.context() as m:
        m.setattr(dialect.DuckDBDialect, "pages_by_buckets", False)
        return _list_orders(cur, q)


def assert_same_page(cur, q: OrderQuery, monkeypatch) -> None:
    bucketed, reference = _list_orders(cur, q), plain(cur, q, monkeypatch)
    assert bucketed.total == reference.total, q
    pd.testing.assert_frame_equal(bucketed.rows.reset_index(drop=True), reference.rows.reset_index(drop=True),
                                  obj=str(q))


@pytest.mark.parametrize(("sort", "descending"), SORTS)
def test_every_page_is_the_plain_querys_page(cur, monkeypatch, used, sort, descending):
    monkeypatch.setattr(index_buckets, "BLOCK", 64)  # the demo's 2,000 ids in 32 blocks, not one
    for page_size in (25, 200):
        total = _list_orders(cur, OrderQuery(page_size=page_size)).total
        last = -(-total // page_size)
        for page in sorted({1, 2, 3, 7, last - 1, last, last + 1}):
            assert_same_page(cur, OrderQuery(sort=sort, descending=descending, page=page, page_size=page_size),
                             monkeypatch)
    assert sum(used) >= 8  # most of these pages were read by buckets


@pytest.mark.parametrize("query", [
    OrderQuery(view="Archived", page=2, page_size=25),
    OrderQuery(view="Unverified", sort="Status"),  # page 1: the plain top-N
    OrderQuery(statuses=("Shipped", "Delivered"), page=3, page_size=25, sort="Status", descending=True),
    OrderQuery(carriers=("UPS",), sources=("Client Portal",), page=2, page_size=25),
    OrderQuery(created_from=dt.date(2026, 1, 1), created_to=dt.date(2026, 10, 31), page=4, page_size=25,
               sort="Order ID", descending=False),
    OrderQuery(visible_statuses=("Order Placed", "Shipped"), page=2, page_size=25),
], ids=["archived", "unverified by status", "shipped by status", "carrier and source", "created range",
        "visible statuses"])
def test_filters_give_the_plain_querys_page(cur, monkeypatch, used, query):
    assert_same_page(cur, query, monkeypatch)
    assert used == ([True] if query.page > 1 else [])


def test_ties_in_the_sort_key_across_buckets_and_pages(cur, monkeypatch, used):
    """Many orders created at the very same moment, across a page boundary: the Order ID breaks the tie in
    both directions, as in the plain query."""
    newest = fetch_value(cur, "SELECT max(created_at) FROM orders")
    cur.execute("UPDATE orders SET created_at = ? WHERE order_id IN "
                "(SELECT order_id FROM orders ORDER BY created_at DESC LIMIT 120)", [newest]).fetchall()
    for sort, descending in SORTS:
        for page in (1, 2, 3, 4, 5, 6):
            assert_same_page(cur, OrderQuery(sort=sort, descending=descending, page=page, page_size=25), monkeypatch)
    assert all(used)


def test_orders_archived_or_changed_between_two_page_loads(db, cur, monkeypatch, used):
    """A page load reads the data as it is then: page 2 after page 1's orders were archived and others
    cancelled is the plain query's page 2 of the data as it is now."""
    first = _list_orders(cur, OrderQuery(page_size=25, sort="Status"))
    ids = [int(i) for i in first.rows["Order ID"]][:10]
    archive_orders(db, ids, MANAGER_PERSON)
    for (order_id,) in cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND archived_at IS NULL "
                                   "ORDER BY order_id LIMIT 10").fetchall():
        lifecycle.cancel_order(db, order_id, MANAGER_PERSON, reason="Client asked")
    for q in (OrderQuery(page=2, page_size=25, sort="Status"), OrderQuery(page=2, page_size=25)):
        after = _list_orders(cur, q)
        assert not set(ids) & {int(i) for i in after.rows["Order ID"]}
        assert_same_page(cur, q, monkeypatch)
    assert all(used)


@pytest.mark.parametrize(("offset", "size", "expected"), [
    (0, 5, ([("a", 3), ("b", 4)], 0)),      # the first bucket and part of the next
    (3, 4, ([("b", 4)], 0)),                # exactly one bucket
    (5, 5, ([("b", 4), ("c", 2)], 2)),      # from inside b to the end
    (8, 50, ([("c", 2)], 1)),               # a short last page
    (9, None, None),                        # past the end
])
def test_locate_finds_the_buckets_of_a_page(offset, size, expected):
    counts = [("a", 3), ("b", 4), ("c", 2)]
    assert index_buckets.locate(counts, offset, size or 5) == expected


def test_a_page_over_too_many_buckets_is_left_to_the_plain_query(monkeypatch):
    monkeypatch.setattr(index_buckets, "MAX_BUCKETS", 3)
    counts = [(d, 1) for d in range(10)]
    assert index_buckets.locate(counts, 2, 3) == ([(2, 1), (3, 1), (4, 1)], 0)
    assert index_buckets.locate(counts, 2, 4) is None


def test_the_first_page_by_status_is_read_from_its_first_status(cur, monkeypatch):
    """Page 1 by Status is read as its first status's own top-N when that status holds a whole page, with the
    total counted beside it; else from the plain query. The rows and the total are the plain query's."""
    calls, real = [], index_buckets.first_status_page

    def recorded(*args):
        result = real(*args)
        calls.append((args[1], result is not None))
        return result

    monkeypatch.setattr("orders_core.orders.index.first_status_page", recorded)
    held = dict(cur.execute("SELECT status::VARCHAR, count(*) FROM orders WHERE archived_at IS NULL GROUP BY 1").fetchall())
    assert held["Unverified"] < 25 <= held["Shipped"] and held["Cancelled"] >= 25  # the demo's, as the cases want
    for q in (OrderQuery(sort="Status", descending=False, page_size=25), OrderQuery(sort="Status", page_size=25),
              OrderQuery(sort="Status", descending=False, statuses=("Shipped", "Delivered"), page_size=25),
              OrderQuery(sort="Status", descending=False, visible_statuses=("Delivered", "Cancelled")),
              OrderQuery(view="Unverified", sort="Status", descending=False)):
        assert_same_page(cur, q, monkeypatch)
    assert calls == [("Unverified", False), ("Cancelled", True), ("Shipped", True),
                     ("Delivered", held["Delivered"] >= 50), ("Unverified", False)]


@pytest.mark.parametrize("days_first", [1, 8, 100_000])
@pytest.mark.parametrize("descending", [True, False])
def test_pages_by_created_at_group_only_the_days_they_need(cur, monkeypatch, used, days_first, descending):
    """By Created At, only the days nearest the sort's start are grouped, in a span widened until it holds
    the page: a first span of one day, of eight or of every day gives the plain query's pages and total,
    filters, the last page and past it included."""
    monkeypatch.setattr(index_buckets, "DAYS_FIRST", days_first)
    grouped = []
    real = index_buckets._buckets_sql
    monkeypatch.setattr(index_buckets, "_buckets_sql", lambda *a: grouped.append(a[2]) or real(*a))
    for q in (OrderQuery(descending=descending, page_size=25),
              OrderQuery(descending=descending, statuses=("Delivered",), carriers=("UPS",), page_size=10)):
        last = -(-_list_orders(cur, q).total // q.page_size)
        for page in (2, 3, last, last + 1):
            assert_same_page(cur, q.at_page(page), monkeypatch)
    assert sum(used) >= 6
    assert any("o.created_at >= ?::DATE" in w or "o.created_at < ?::DATE" in w for w in grouped)
    if days_first == 1:  # the span was widened at least once for a deep page
        assert len(grouped) > len(used)


def test_the_span_of_days_widens_until_it_holds_the_orders_needed(cur, monkeypatch):
    """From one day back (``DAYS_FIRST``): a span that holds exactly the orders needed is enough; one order
    more widens it fourfold, and no span ever returns fewer orders than needed (or than there are)."""
    monkeypatch.setattr(index_buckets, "DAYS_FIRST", 1)
    open_orders = "o.archived_at IS NULL"
    total, last = cur.execute(f"SELECT count(*), max(o.created_at)::DATE FROM orders o WHERE {open_orders}").fetchone()
    two_days = fetch_value(cur, f"SELECT count(*) FROM orders o WHERE {open_orders} AND o.created_at >= ?::DATE - 1",
                           [last])
    spans = {}
    for needed in (two_days, two_days + 1, total, total + 5):
        counts = index_buckets._days_from_the_start(cur, True, open_orders, [], needed, last, total)
        assert sum(n for _day, n in counts) >= min(needed, total)
        spans[needed] = (last - min(day for day, _n in counts)).days
    assert spans[two_days] <= 1 < spans[two_days + 1] <= 4


@pytest.mark.parametrize(("descending", "start"), [(True, dt.date(1, 1, 3)), (False, dt.date(9999, 12, 29))])
def test_a_span_past_the_calendar_holds_every_day(cur, descending, start):
    """A sort's first day near year 1 or 9999 (a date typed wrong, say): the span stops at the calendar's end
    instead of failing, and holds every order."""
    total = fetch_value(cur, "SELECT count(*) FROM orders o WHERE o.archived_at IS NULL")
    counts = index_buckets._days_from_the_start(cur, descending, "o.archived_at IS NULL", [], total + 1, start, total)
    assert sum(n for _day, n in counts) == total
