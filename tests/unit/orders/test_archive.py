"""Archive Shipped / Delivered, undo, and single orders: nothing deleted, an event per order.

The tests with a database run on both engines (DuckDB and PostgreSQL).
"""

from __future__ import annotations

import pytest

from orders_core.orders import archive
from orders_core.storage.reads import fetch_value
from tests.people import acting


@pytest.fixture
def db(engine_demo_db):
    """The demo on each engine (DuckDB, and the same rows on PostgreSQL)."""
    return engine_demo_db


def archived_count(cur, status: str) -> int:
    return fetch_value(cur, "SELECT count(*) FROM orders WHERE status = ? AND archived_at IS NOT NULL", [status])


@pytest.mark.parametrize("status", ["Shipped", "Delivered"])
def test_archive_status_archives_every_unarchived_order_in_it(db, cur, status):
    total = fetch_value(cur, "SELECT count(*) FROM orders WHERE status = ?", [status])
    waiting = archive.count_archivable(cur, status)
    before_events = fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind = 'archived'")
    result = archive.archive_status(db, status, acting("Test CSR"))
    assert result.count == waiting > 0
    assert archive.count_archivable(cur, status) == 0
    assert archived_count(cur, status) == total
    assert fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind = 'archived'") == before_events + waiting
    assert fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind = 'archived' AND actor = 'Test CSR'") == waiting
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE status <> ? AND archive_batch = ?",
                       [status, result.batch]) == 0


def test_undo_restores_exactly_the_batch(db, cur):
    already = archived_count(cur, "Delivered")
    result = archive.archive_status(db, "Delivered", acting("Test CSR"))
    assert archive.unarchive_batch(db, result.batch, acting("Test CSR")) == result.count
    assert archived_count(cur, "Delivered") == already, "orders archived before the batch stay archived"
    assert fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind = 'unarchived'") == result.count
    assert archive.unarchive_batch(db, result.batch, acting("Test CSR")) == 0


def test_archive_and_unarchive_single_orders(db, cur):
    order_id = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE archived_at IS NULL AND status = 'Open'")
    assert archive.archive_orders(db, [order_id], acting("A")).count == 1
    assert archive.archive_orders(db, [order_id], acting("A")).count == 0
    assert archive.unarchive_orders(db, [order_id], acting("B")) == 1
    kinds = [r[0] for r in cur.execute(
        "SELECT kind FROM order_events WHERE order_id = ? ORDER BY event_id", [order_id]).fetchall()]
    assert kinds[-2:] == ["archived", "unarchived"]


def test_bulk_archive_refuses_other_statuses_and_changes_nothing(db, cur):
    before = fetch_value(cur, "SELECT count(*) FROM orders WHERE archived_at IS NOT NULL")
    with pytest.raises(archive.ArchiveError, match="Only Shipped or Delivered"):
        archive.archive_status(db, "Open", acting("A"))
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE archived_at IS NOT NULL") == before


def test_nothing_is_deleted(db, cur):
    orders = fetch_value(cur, "SELECT count(*) FROM orders")
    result = archive.archive_status(db, "Shipped", acting("A"))
    archive.unarchive_batch(db, result.batch, acting("A"))
    assert fetch_value(cur, "SELECT count(*) FROM orders") == orders
