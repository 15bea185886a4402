"""Writes of every kind to PostgreSQL's orders, for the tests of the summaries its triggers keep (``order_counts``,
``order_carrier_counts``): ``exact()`` is called after each step and must find the summary equal to the orders."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def every_kind_of_write(db, exact: Callable[[], None]) -> None:
    """Inserts, status changes, archiving, carrier changes, a change no count sees and a delete in one
    transaction; then a write that rolls back; then the orders put back as they were (the fixture's
    ``orders-core check`` wants them so)."""
    cur = db.cursor()
    exact()
    ids = [r[0] for r in cur.execute("SELECT order_id FROM orders WHERE archived_at IS NULL AND carrier IS NOT NULL "
                                     "ORDER BY order_id LIMIT 40").fetchall()]
    before = cur.execute("SELECT order_id, status, archived_at, carrier, payment_reference FROM orders "
                         "WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids]).fetchall()

    def changes(c) -> None:
        c.execute("CREATE TEMP TABLE copies ON COMMIT DROP AS SELECT * FROM orders WHERE order_id IN (?, ?, ?)", ids[:3])
        c.execute("UPDATE copies SET order_id = order_id + 50000000, status = 'Unverified'")
        c.execute("INSERT INTO orders SELECT * FROM copies")
        c.execute("UPDATE orders SET status = 'Cancelled' WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids[3:13]])
        c.execute("UPDATE orders SET archived_at = now()::TIMESTAMP WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
                  [ids[10:30]])
        c.execute("UPDATE orders SET carrier = 'Purolator' WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids[30:35]])
        c.execute("UPDATE orders SET carrier = NULL WHERE order_id = ?", [ids[35]])
        c.execute("UPDATE orders SET payment_reference = 'x' WHERE order_id = ?", [ids[36]])  # no count changes
        c.execute("DELETE FROM orders WHERE order_id = ?", [ids[0] + 50000000])

    db.write(changes)
    exact()

    def refused(c) -> None:
        c.execute("UPDATE orders SET status = 'Delivered', carrier = 'UPS', archived_at = NULL "
                  "WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids])
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        db.write(refused)
    exact()

    def undo(c) -> None:
        c.execute("DELETE FROM orders WHERE order_id > 50000000")
        c.executemany("UPDATE orders SET status = ?, archived_at = ?, carrier = ?, payment_reference = ? "
                      "WHERE order_id = ?", [(*rest, oid) for oid, *rest in before])

    db.write(undo)
    exact()
