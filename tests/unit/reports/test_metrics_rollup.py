"""The Metrics page's daily summaries (``orders_core.reports.rollup``), on both engines.

The figures must be the same whether the summaries are fresh, empty, or stale for the days a write just
changed; the page must read the summaries (a changed summary row changes the figure); concurrent refreshes
on two cursors write each day once; ``check`` names a day whose summary does not match its orders, and
``check --recount`` mends it.
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest

from orders_core.orders import lifecycle
from orders_core.reports import metrics
from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.check import check, recount_summaries
from orders_core.reports.metrics import MetricsFilter
from orders_core.storage.reads import fetch_value
from tests.people import ADMIN, acting
from tests.races import join_all

ANCHOR = dt.date(2026, 11, 26)  # the tests' demo (tests/conftest.py)
FILTERS = {
    "year": MetricsFilter(ANCHOR - dt.timedelta(days=364), ANCHOR),
    "30 days, portal by Canada Post": MetricsFilter(ANCHOR - dt.timedelta(days=29), ANCHOR,
                                                    sources=("Client Portal",), carriers=("Canada Post",)),
    "quarter, Oil": MetricsFilter(ANCHOR - dt.timedelta(days=90), ANCHOR, categories=("Oil",)),
}
NOW = dt.datetime.combine(ANCHOR, dt.time(13, 5))  # the range's last day is "today", half over


def _figures(cur, f: MetricsFilter) -> dict:
    """Every figure of the page, each function called alone (no refresh: stale days come from the orders)."""
    return {
        "headline": metrics.headline(cur, f, now=NOW),
        "volume": metrics.volume_by_source(cur, f, None, ANCHOR),
        "grams": metrics.grams_shipped_per_period(cur, f),
        "funnel": metrics.status_funnel(cur, f),
        "lead": metrics.lead_times(cur, f),
        "backlog": metrics.unverified_backlog(cur, f, ANCHOR),
        "carriers": metrics.carrier_summary(cur, f),
        "products": metrics.product_totals(cur, f).sort_values("sku").reset_index(drop=True),
        "coverage": metrics.coverage_by_insurer(cur, f),
    }


def _page(cur, f: MetricsFilter) -> dict:
    p = metrics.page_metrics(cur, f, ANCHOR, now=NOW, top=100)
    return {"headline": p.headline, "volume": p.volume, "grams": p.grams_shipped, "funnel": p.funnel,
            "lead": p.lead_times, "backlog": p.backlog, "carriers": p.carriers, "coverage": p.coverage}


def _assert_same(a: dict, b: dict) -> None:
    for name in a.keys() & b.keys():
        if isinstance(a[name], pd.DataFrame):
            pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)
        else:
            assert a[name] == b[name], name


def _empty_summaries(cur) -> None:
    for table in metrics_rollup._tables(cur):  # with PostgreSQL's totals per day (rollup_masks)
        cur.execute(f"DELETE FROM {table}").fetchall()


def test_the_demo_summaries_are_fresh_and_describe_every_order(engine_demo_db):
    cur = engine_demo_db.cursor()
    assert metrics_rollup.stale_days(cur) == []
    assert metrics_rollup.mismatches(cur) == []
    assert fetch_value(cur, "SELECT sum(orders) FROM metrics_daily") == fetch_value(cur, "SELECT count(*) FROM orders")
    assert fetch_value(cur, "SELECT sum(units) FROM metrics_daily_products") == fetch_value(
        cur, "SELECT sum(l.units) FROM order_lines l JOIN orders o USING (order_id) WHERE o.status <> 'Cancelled'")


@pytest.mark.parametrize("name", FILTERS)
def test_the_figures_are_the_same_from_fresh_empty_and_stale_summaries(engine_demo_db, name):
    f = FILTERS[name]
    cur = engine_demo_db.cursor()
    fresh = _figures(cur, f)
    assert fresh["headline"].current.orders > 0 and not fresh["lead"].empty and not fresh["coverage"].empty
    _assert_same(fresh, _page(cur, f))

    _empty_summaries(cur)  # as a database upgraded to schema 8 is before its first refresh
    assert len(metrics_rollup.stale_days(cur)) > 300
    _assert_same(fresh, _figures(cur, f))
    assert metrics_rollup.refresh(cur) > 300
    _assert_same(fresh, _figures(cur, f))

    # A write moves orders between statuses: their created days go stale, and only those.
    placed = cur.execute(
        "SELECT order_id, created_at::DATE FROM orders WHERE status = 'Order Placed' AND created_at >= ? "
        "ORDER BY order_id LIMIT 3", [f.start]).fetchall()
    for order_id, _ in placed:
        lifecycle.cancel_order(engine_demo_db, order_id, acting("CSR"), reason="Client asked")
    assert metrics_rollup.stale_days(cur) == sorted({day for _, day in placed})
    stale = _figures(cur, f)
    assert metrics_rollup.refresh(cur) == len({day for _, day in placed})
    assert metrics_rollup.stale_days(cur) == []
    _assert_same(stale, _figures(cur, f))
    _assert_same(stale, _page(cur, f))
    if not (f.sources or f.carriers or f.categories):
        cancelled = fresh["headline"].current.cancelled
        assert stale["headline"].current.cancelled == cancelled + len(placed)


def _orders_holding(cur, f: MetricsFilter) -> tuple[int, object]:
    """The orders created in ``f``'s range, not cancelled, holding a product of its categories, counted and
    their Total Due summed from the orders and lines themselves (not through the summaries)."""
    return tuple(cur.execute(
        """SELECT count(*), coalesce(sum(o.total_due), 0) FROM orders o
           WHERE o.created_at >= ? AND o.created_at < ? AND o.status <> 'Cancelled'
             AND EXISTS (SELECT 1 FROM order_lines l JOIN products p ON p.sku = l.sku
                         WHERE l.order_id = o.order_id AND p.category::VARCHAR IN (SELECT unnest(?::VARCHAR[])))""",
        [f.start, f.end + dt.timedelta(days=1), list(f.categories)]).fetchall()[0])


@pytest.mark.parametrize("categories", [("Oil",), ("Capsules", "Pre-rolls"), ("Accessory",)])
def test_a_category_filter_counts_the_orders_holding_those_categories(engine_demo_db, categories):
    cur = engine_demo_db.cursor()
    f = MetricsFilter(ANCHOR - dt.timedelta(days=364), ANCHOR, categories=categories)
    shown = metrics.page_metrics(cur, f, ANCHOR).headline.current
    orders, revenue = _orders_holding(cur, f)
    assert orders > 0 and (shown.orders, shown.revenue) == (orders, revenue)


def test_a_product_moved_to_another_category_makes_every_day_stale(engine_demo_db):
    """The rows keep the categories their orders held when written: a category corrected in the catalogue
    changes no order, so the catalogue's fingerprint makes every day stale until the next refresh."""
    cur = engine_demo_db.cursor()
    f = MetricsFilter(ANCHOR - dt.timedelta(days=364), ANCHOR, categories=("Capsules",))
    before = metrics.page_metrics(cur, f, ANCHOR).headline.current.orders
    sku = fetch_value(cur, "SELECT min(sku) FROM products WHERE category::VARCHAR = 'Oil'")
    cur.execute("UPDATE products SET category = 'Capsules' WHERE sku = ?", [sku]).fetchall()
    days = fetch_value(cur, "SELECT count(DISTINCT created_at::DATE) FROM orders")
    assert len(metrics_rollup.stale_days(cur)) == days
    after = metrics.page_metrics(cur, f, ANCHOR).headline.current.orders
    assert after > before and after == _orders_holding(cur, f)[0]
    assert metrics_rollup.stale_days(cur) == [] and metrics_rollup.mismatches(cur) == []


def test_the_figures_are_read_from_the_summaries(engine_demo_db):
    """A summary row changed past its fingerprint changes the page's revenue: the page reads the summaries."""
    cur = engine_demo_db.cursor()
    f = FILTERS["year"]
    before = metrics.page_metrics(cur, f, ANCHOR).headline.current.revenue
    day = fetch_value(cur, "SELECT max(created_on) FROM metrics_daily WHERE status = 'Delivered' AND created_on < ?",
                      [ANCHOR])
    row = cur.execute("SELECT source, carrier, shipped_on, delivered_on FROM metrics_daily "
                      "WHERE created_on = ? AND status = 'Delivered' ORDER BY source, carrier LIMIT 1", [day]).fetchall()[0]
    cur.execute("UPDATE metrics_daily SET total_due = total_due + 1000 WHERE created_on = ? AND status = 'Delivered' "
                "AND source = ? AND carrier = ? AND shipped_on = ? AND delivered_on = ?", [day, *row]).fetchall()
    assert metrics.page_metrics(cur, f, ANCHOR).headline.current.revenue == before + 1000

    # check names the day, and the Administrator's recount writes it again from the orders.
    assert [(b.check, b.subject) for b in check(cur)] == [("metrics summaries", f"day {day:%Y-%m-%d}")]
    assert "Wrote the Metrics page's daily summaries afresh" in recount_summaries(cur, ADMIN)
    assert check(cur) == []
    assert metrics.page_metrics(cur, f, ANCHOR).headline.current.revenue == before


def test_two_refreshes_at_once_write_each_day_once(engine_demo_db):
    """Two cursors (on PostgreSQL two connections: two app servers) refresh an emptied summary at the same
    moment, while a CSR cancels orders: the summary ends exact, every day once."""
    cur = engine_demo_db.cursor()
    _empty_summaries(cur)
    start = threading.Barrier(3, timeout=30)
    errors: list[BaseException] = []
    done: list[int] = []
    targets = cur.execute(
        "SELECT order_id, created_at::DATE FROM orders WHERE status = 'Order Placed' ORDER BY order_id DESC LIMIT 5"
    ).fetchall()

    def refresher() -> None:
        c = engine_demo_db.cursor()
        try:
            start.wait()
            done.append(metrics_rollup.refresh(c))
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
        finally:
            c.close()

    def writer() -> None:
        try:
            start.wait()
            for order_id, _ in targets:
                lifecycle.cancel_order(engine_demo_db, order_id, acting("CSR"), reason="Client asked")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=refresher), threading.Thread(target=refresher), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    join_all(threads)
    assert errors == []
    assert sum(done) > 300
    # No day written twice (it would be stale: twice its orders); stale at most where the CSR cancelled.
    assert set(metrics_rollup.stale_days(cur)) <= {day for _, day in targets}
    metrics_rollup.refresh(cur)  # the days the CSR changed meanwhile
    assert metrics_rollup.stale_days(cur) == []
    assert metrics_rollup.mismatches(cur) == []
    assert fetch_value(cur, "SELECT sum(orders) FROM metrics_daily") == fetch_value(cur, "SELECT count(*) FROM orders")
    assert fetch_value(cur, "SELECT count(*) FROM metrics_daily WHERE status = 'Cancelled'") > 0


def test_a_refresh_with_nothing_stale_writes_nothing(engine_demo_db):
    cur = engine_demo_db.cursor()
    before = cur.execute("SELECT refreshed_at, days_refreshed FROM metrics_rollup_state").fetchall()
    assert metrics_rollup.refresh(cur) == 0
    assert cur.execute("SELECT refreshed_at, days_refreshed FROM metrics_rollup_state").fetchall() == before


def test_a_refresh_that_cannot_write_leaves_the_figures_right(engine_demo_db, monkeypatch):
    """Too busy to write the summaries (every retry conflicted): the stale days are read from the orders."""
    from orders_core.storage.errors import DatabaseError
    from orders_core.storage.transactions import BUSY

    cur = engine_demo_db.cursor()
    f = FILTERS["year"]
    fresh = _page(cur, f)
    placed = cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND created_at >= ? "
                         "ORDER BY order_id LIMIT 2", [f.start]).fetchall()
    for (order_id,) in placed:
        lifecycle.cancel_order(engine_demo_db, order_id, acting("CSR"), reason="Client asked")

    def busy(_cur):
        raise DatabaseError(BUSY)

    monkeypatch.setattr(metrics_rollup, "refresh", busy)
    stale = _page(cur, f)
    assert metrics_rollup.stale_days(cur)  # nothing was written
    assert stale["headline"].current.cancelled == fresh["headline"].current.cancelled + len(placed)
    monkeypatch.undo()
    _assert_same(stale, _page(cur, f))  # the same once refreshed
