"""PostgreSQL's Metrics rows per category filter (``orders_core.reports.rollup_masks``).

A filter's first view builds its rows; from then on the page reads them, and its figures must be the ones
the rows split by combination give, after every kind of write the refresh follows (statuses, a catalogue
correction, a refresh that could not write); two servers building one filter at once build it once;
``check`` names a day whose filter rows are wrong and the recount mends it.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from orders_core.orders import lifecycle
from orders_core.reports import metrics, rollup_masks
from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.check import check, recount_summaries
from orders_core.reports.metrics import MetricsFilter
from orders_core.storage.reads import fetch_value
from tests.people import ADMIN, acting
from tests.races import join_all
from tests.unit.reports.test_metrics_rollup import ANCHOR, NOW, _assert_same, _figures, _page

YEAR = (ANCHOR - dt.timedelta(days=364), ANCHOR)
OIL = MetricsFilter(*YEAR, categories=("Oil",))
OIL_CAPSULES = MetricsFilter(dt.date(2018, 1, 1), ANCHOR, categories=("Oil", "Capsules"))


def _split(cur, f: MetricsFilter, monkeypatch) -> dict:
    """Every figure of ``f`` from the rows split by combination (as if no filter were built)."""
    with monkeypatch.context() as m:
        m.setattr(rollup_masks, "built", lambda _cur: frozenset())
        return _figures(cur, f)


def _kept_rows(cur, mask: int) -> int:
    return fetch_value(cur, "SELECT count(*) FROM metrics_daily_masks WHERE mask = ?", [mask])


@pytest.mark.postgresql
@pytest.mark.parametrize("f", [OIL, OIL_CAPSULES], ids=["year Oil", "since 2018 Oil + Capsules"])
def test_a_filters_first_view_builds_its_rows_and_the_figures_stay_the_same(pg_demo_db, f, monkeypatch):
    cur = pg_demo_db.cursor()
    mask = metrics_rollup.category_mask(f.categories)
    split = _split(cur, f, monkeypatch)
    assert rollup_masks.built(cur) == frozenset()
    assert split["headline"].current.orders > 0 and not split["lead"].empty

    _assert_same(split, _page(cur, f))
    assert rollup_masks.built(cur) == {mask}
    # At most one row per row of metrics_daily: the combinations summed.
    assert 0 < _kept_rows(cur, mask) <= fetch_value(cur, "SELECT count(*) FROM metrics_daily")
    _assert_same(split, _figures(cur, f))
    assert check(cur) == []


@pytest.mark.postgresql
def test_the_page_reads_the_filters_rows_and_check_names_a_wrong_one(pg_demo_db):
    cur = pg_demo_db.cursor()
    mask = metrics_rollup.category_mask(OIL.categories)
    before = metrics.page_metrics(cur, OIL, ANCHOR).headline.current.revenue
    day = fetch_value(cur, "SELECT max(created_on) FROM metrics_daily_masks WHERE mask = ? AND status = 'Delivered' "
                      "AND created_on < ?", [mask, ANCHOR])
    cur.execute("UPDATE metrics_daily_masks SET total_due = total_due + 1000 WHERE ctid = (SELECT min(ctid) "
                "FROM metrics_daily_masks WHERE mask = ? AND created_on = ? AND status = 'Delivered')",
                [mask, day]).fetchall()
    assert metrics.page_metrics(cur, OIL, ANCHOR).headline.current.revenue == before + 1000

    assert [(b.check, b.subject) for b in check(cur)] == [("metrics summaries", f"day {day:%Y-%m-%d}")]
    assert "Wrote the Metrics page's daily summaries afresh" in recount_summaries(cur, ADMIN)
    assert check(cur) == []
    assert rollup_masks.built(cur) == {mask}  # still kept, written again
    assert metrics.page_metrics(cur, OIL, ANCHOR).headline.current.revenue == before


@pytest.mark.postgresql
def test_every_refresh_keeps_the_built_filters(pg_demo_db, monkeypatch):
    """Statuses change on some days, then a product moves to another category (every day stale): the
    refresh writes the built filters' rows with the daily rows, and the figures stay those of the split rows."""
    cur = pg_demo_db.cursor()
    for f in (OIL, OIL_CAPSULES):
        metrics.page_metrics(cur, f, ANCHOR)
    placed = cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND created_at >= ? "
                         "ORDER BY order_id LIMIT 3", [OIL.start]).fetchall()
    for (order_id,) in placed:
        lifecycle.cancel_order(pg_demo_db, order_id, acting("CSR"), reason="Client asked")
    before = _figures(cur, OIL)["headline"].current.orders  # the stale days from the orders
    assert metrics_rollup.refresh(cur) > 0
    assert metrics_rollup.mismatches(cur) == []
    for f in (OIL, OIL_CAPSULES):
        _assert_same(_split(cur, f, monkeypatch), _figures(cur, f))
    assert _figures(cur, OIL)["headline"].current.orders == before

    sku = fetch_value(cur, "SELECT min(sku) FROM products WHERE category::VARCHAR = 'Dried flower'")
    cur.execute("UPDATE products SET category = 'Oil' WHERE sku = ?", [sku]).fetchall()
    moved = _split(cur, OIL, monkeypatch)  # every day stale: read from the orders
    assert moved["headline"].current.orders > before
    _assert_same(moved, _page(cur, OIL))  # refreshed, the built filters with it
    assert metrics_rollup.stale_days(cur) == [] and metrics_rollup.mismatches(cur) == []
    _assert_same(moved, _figures(cur, OIL))


@pytest.mark.postgresql
def test_a_filter_built_while_days_are_stale_reads_those_days_from_the_orders(pg_demo_db, monkeypatch):
    from orders_core.storage.errors import DatabaseError
    from orders_core.storage.transactions import BUSY

    cur = pg_demo_db.cursor()
    placed = cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND created_at >= ? "
                         "ORDER BY order_id LIMIT 2", [OIL.start]).fetchall()
    for (order_id,) in placed:
        lifecycle.cancel_order(pg_demo_db, order_id, acting("CSR"), reason="Client asked")
    expected = _split(cur, OIL, monkeypatch)

    def busy(_cur):
        raise DatabaseError(BUSY)

    monkeypatch.setattr(metrics_rollup, "refresh", busy)
    page = metrics.page_metrics(cur, OIL, ANCHOR, now=NOW, top=100)
    assert metrics_rollup.stale_days(cur) and rollup_masks.built(cur)  # built over rows not yet refreshed
    assert page.headline == expected["headline"]
    monkeypatch.undo()
    _assert_same(expected, _page(cur, OIL))
    assert metrics_rollup.mismatches(cur) == []


@pytest.mark.postgresql
def test_two_servers_building_one_filter_at_once_build_it_once(pg_demo_db):
    """Two connections open the same new filter while a third refreshes after a CSR's cancellations."""
    cur = pg_demo_db.cursor()
    mask = metrics_rollup.category_mask(OIL_CAPSULES.categories)
    placed = cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' ORDER BY order_id DESC LIMIT 3"
                         ).fetchall()
    start = threading.Barrier(3, timeout=30)
    errors: list[BaseException] = []
    built: list[bool] = []

    def builder() -> None:
        c = pg_demo_db.cursor()
        try:
            start.wait()
            built.append(metrics_rollup.build_mask(c, mask))
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
        finally:
            c.close()

    def writer() -> None:
        c = pg_demo_db.cursor()
        try:
            start.wait()
            for (order_id,) in placed:
                lifecycle.cancel_order(pg_demo_db, order_id, acting("CSR"), reason="Client asked")
                metrics_rollup.refresh(c)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=builder), threading.Thread(target=builder), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    join_all(threads)
    assert errors == []
    assert sorted(built) == [False, True]
    metrics_rollup.refresh(cur)
    assert metrics_rollup.mismatches(cur) == []  # no row twice, none missing
    assert fetch_value(cur, "SELECT count(*) FROM metrics_daily_masks WHERE mask = ?", [mask]) == fetch_value(
        cur, "SELECT count(*) FROM (SELECT DISTINCT created_on, source, carrier, status, shipped_on, delivered_on "
             "FROM metrics_daily_categories WHERE (categories & ?) <> 0) d", [mask])


def test_duckdb_keeps_no_filter_rows(duckdb_db):
    cur = duckdb_db.cursor()
    metrics.page_metrics(cur, OIL, ANCHOR)
    assert not rollup_masks.kept(cur) and rollup_masks.built(cur) == frozenset()
    assert metrics_rollup.build_mask(cur, 2) is False


@pytest.mark.postgresql
def test_the_stale_days_come_from_the_kept_totals_as_from_the_rows(pg_demo_db):
    """PostgreSQL reads each day's totals (``metrics_days``) instead of summing ``metrics_daily``: the same
    stale days before and after a refresh, and a total changed past the module is named by ``check``."""
    cur = pg_demo_db.cursor()

    def summed_stale() -> list[dt.date]:
        query = metrics_rollup._STALE.format(days="SELECT day, sum(n) AS n, sum(v) AS v FROM order_days GROUP BY day "
                                                  "HAVING sum(n) <> 0", summed=metrics_rollup._SUMMED_DAYS)
        return [r[0] for r in cur.execute(query).fetchall()]

    placed = cur.execute("SELECT order_id, created_at::DATE FROM orders WHERE status = 'Order Placed' "
                         "ORDER BY order_id LIMIT 3").fetchall()
    for order_id, _ in placed:
        lifecycle.cancel_order(pg_demo_db, order_id, acting("CSR"), reason="Client asked")
    assert metrics_rollup.stale_days(cur) == summed_stale() == sorted({day for _, day in placed})
    metrics_rollup.refresh(cur)
    assert metrics_rollup.stale_days(cur) == summed_stale() == []

    day = placed[0][1]
    cur.execute("UPDATE metrics_days SET versions = versions + 1 WHERE day = ?", [day]).fetchall()
    assert metrics_rollup.stale_days(cur) == [day]  # read as stale: from the orders, so still right
    assert [(b.check, b.subject) for b in check(cur)] == []  # a stale day cannot mislead
    cur.execute("UPDATE metrics_days SET versions = versions - 1 WHERE day = ?", [day]).fetchall()
    cur.execute("UPDATE metrics_daily SET orders = orders + 1 WHERE ctid = (SELECT min(ctid) FROM metrics_daily "
                "WHERE created_on = ?)", [day]).fetchall()
    assert metrics_rollup.stale_days(cur) == []  # the totals say fresh, the rows do not: check names the day
    assert [(b.check, b.subject) for b in check(cur)] == [("metrics summaries", f"day {day:%Y-%m-%d}")] * 2
    recount_summaries(cur, ADMIN)
    assert check(cur) == [] and metrics_rollup.stale_days(cur) == []


@pytest.mark.postgresql
def test_each_filter_reads_a_partition_of_its_own_and_the_database_stays_ours(pg_demo_db):
    from orders_core.storage import dialect
    from orders_core.storage.database import open_database

    cur = pg_demo_db.cursor()
    for f in (OIL, OIL_CAPSULES):
        metrics.page_metrics(cur, f, ANCHOR)
    parts = {r[0] for r in cur.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'metrics_daily_masks'::regclass").fetchall()}
    assert parts == {"metrics_daily_masks_2", "metrics_daily_masks_6"}
    assert fetch_value(cur, "SELECT count(*) FROM metrics_daily_masks_6") == _kept_rows(cur, 6) > 0
    plan = "\n".join(r[0] for r in cur.execute("EXPLAIN SELECT * FROM metrics_daily_masks WHERE mask = 6").fetchall())
    assert "metrics_daily_masks_6" in plan and "metrics_daily_masks_2" not in plan
    # A partition is part of its table: the database is still only ours, and opens.
    assert not parts & dialect.of(cur).main_tables(cur)
    open_database(pg_demo_db.path, create=False).close()

    # A partition dropped past the module is made again by the next refresh, which writes its rows.
    cur.execute("DROP TABLE metrics_daily_masks_6").fetchall()
    cur.execute("UPDATE metrics_days SET versions = versions + 1").fetchall()  # every day stale
    assert metrics_rollup.refresh(cur) > 0
    assert check(cur) == [] and _kept_rows(cur, 6) > 0
