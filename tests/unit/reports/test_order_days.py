"""PostgreSQL's ``order_days`` (``storage.order_days``, migration 15): each created day's orders and version
sum, kept by triggers in every writer's transaction, which the Metrics summaries' stale-day check reads;
``check`` compares it with the orders and ``check --recount`` mends it."""

from __future__ import annotations

import pytest

from orders_core.orders import lifecycle
from orders_core.orders.archive import archive_orders
from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.check import check, recount_summaries
from orders_core.storage.order_days import COUNTED_DAYS, KEPT_DAYS
from tests.people import ADMIN, MANAGER_PERSON

pytestmark = pytest.mark.postgresql


def _kept(cur) -> list[tuple]:
    return cur.execute(f"SELECT day, n::BIGINT, v::BIGINT FROM ({KEPT_DAYS}) k ORDER BY 1").fetchall()


def _counted(cur) -> list[tuple]:
    return cur.execute(f"SELECT day, n::BIGINT, v::BIGINT FROM ({COUNTED_DAYS}) c ORDER BY 1").fetchall()


def test_every_write_keeps_each_days_orders_and_versions(pg_demo_db):
    cur = pg_demo_db.cursor()
    assert _kept(cur) == _counted(cur) and len(_kept(cur)) > 300
    placed = [r[0] for r in cur.execute("SELECT order_id FROM orders WHERE status = 'Order Placed' AND "
                                        "archived_at IS NULL ORDER BY order_id LIMIT 6").fetchall()]
    lifecycle.cancel_order(pg_demo_db, placed[0], MANAGER_PERSON, reason="Client asked")
    archive_orders(pg_demo_db, placed[1:4], MANAGER_PERSON)
    assert metrics_rollup.stale_days(cur) == sorted({d for (d,) in cur.execute(
        "SELECT DISTINCT created_at::DATE FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
        [placed[:4]]).fetchall()})

    def copies(c) -> None:
        c.execute("CREATE TEMP TABLE copies ON COMMIT DROP AS SELECT * FROM orders WHERE order_id IN (?, ?)", placed[4:6])
        c.execute("UPDATE copies SET order_id = order_id + 50000000, version = 7")
        c.execute("INSERT INTO orders SELECT * FROM copies")

    def delete_the_copies(c) -> None:
        c.execute("DELETE FROM orders WHERE order_id > 50000000")

    pg_demo_db.write(copies)
    assert _kept(cur) == _counted(cur)
    pg_demo_db.write(delete_the_copies)  # (copies without lines or events would breach the other checks)
    assert _kept(cur) == _counted(cur)

    def rolled_back(c) -> None:
        c.execute("UPDATE orders SET version = version + 1 WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [placed])
        raise RuntimeError("changed its mind")

    with pytest.raises(RuntimeError):
        pg_demo_db.write(rolled_back)
    assert _kept(cur) == _counted(cur)
    assert not [b for b in check(cur) if b.check == "order days"]


def test_days_written_past_the_triggers_are_found_and_recounted(pg_demo_db):
    """A restore that bypasses the triggers leaves ``order_days`` behind: ``check`` names the day, the stale-day
    check would miss it until then, and the Administrator's recount mends it."""
    cur = pg_demo_db.cursor()
    order_id, day = cur.execute("SELECT order_id, created_at::DATE FROM orders ORDER BY order_id LIMIT 1").fetchall()[0]

    def past_the_triggers(c) -> None:
        c.execute("ALTER TABLE orders DISABLE TRIGGER order_days_update")
        c.execute("UPDATE orders SET version = version + 1 WHERE order_id = ?", [order_id])
        c.execute("ALTER TABLE orders ENABLE TRIGGER order_days_update")

    pg_demo_db.write(past_the_triggers)
    found = [b for b in check(cur) if b.check == "order days"]
    assert [b.subject for b in found] == [f"day {day:%Y-%m-%d}"]
    assert "order_days" in found[0].sentence
    assert "Recounted" in recount_summaries(cur, ADMIN)
    assert _kept(cur) == _counted(cur) and not [b for b in check(cur) if b.check == "order days"]
