"""The Orders index's counts from PostgreSQL's kept counts per carrier (``orders.index_counts``,
``storage.order_summaries``, migration 16): the same totals as counting the orders, after every kind of write,
and ``check`` / ``check --recount`` over them."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.orders import index
from orders_core.orders.index import OrderQuery, _list_orders, _where
from orders_core.reports.check import check, recount_summaries
from orders_core.storage.reads import fetch_value
from tests.people import ADMIN
from tests.unit.orders.summary_writes import every_kind_of_write

pytestmark = pytest.mark.postgresql

KEPT = "order_carrier_counts"


def _queries(cur) -> list[OrderQuery]:
    client = fetch_value(cur, "SELECT client_id FROM orders GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    return [
        OrderQuery(search="purolator"), OrderQuery(search="Purolator", view="Unverified"),
        OrderQuery(search="post", statuses=("Shipped", "Delivered")),
        OrderQuery(search="purolator", visible_statuses=("Open", "Shipped")),
        OrderQuery(search="purolator", visible_statuses=()),
        OrderQuery(carriers=("UPS",)), OrderQuery(carriers=("UPS", "Canpar"), view="Archived"),
        OrderQuery(carriers=("UPS",), statuses=("Delivered",)), OrderQuery(carriers=("",)),
        # filtered on something the kept counts do not hold: the orders are counted
        OrderQuery(client_id=client), OrderQuery(search=f"http://host/client?id={client}"),
        OrderQuery(search="cote", carriers=("UPS",)), OrderQuery(search="#100123"),
        OrderQuery(search="purolator", view="Returns"), OrderQuery(carriers=("UPS",), client_id=client),
        OrderQuery(search="purolator", sources=("CSR",)), OrderQuery(carriers=("UPS",), created_from=dt.date(2025, 1, 1)),
    ]


def _plain_count(cur, q: OrderQuery) -> int:
    where, params, _matched = _where(cur, q.validated())
    return fetch_value(cur, f"SELECT count(*) FROM orders o WHERE {where}", params)


def _kept_exactly(cur) -> None:
    kept = cur.execute("SELECT carrier, archived, status::VARCHAR, sum(n)::BIGINT FROM order_carrier_counts "
                       "GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3").fetchall()
    actual = cur.execute("SELECT coalesce(carrier, ''), archived_at IS NOT NULL, status::VARCHAR, count(*) FROM orders "
                         "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall()
    assert kept == actual
    for q in _queries(cur):
        assert _list_orders(cur, q).total == _plain_count(cur, q), q


def test_searches_and_carrier_filters_are_counted_from_the_kept_counts_exactly_after_every_write(pg_demo_db,
                                                                                                monkeypatch):
    cur = pg_demo_db.cursor()
    read = []
    kept_count = index.kept_count
    monkeypatch.setattr(index, "kept_count", lambda *a: read.append(a[-1]) or kept_count(*a))
    _kept_exactly(cur)
    assert [m.names for m in read] == [["Purolator"]] * 2 + [["Canada Post"]] + [["Purolator"]] * 2 + [
        ["UPS"], ["UPS", "Canpar"], ["UPS"], [""]]  # the kept counts served these (not '': counted) and no other

    every_kind_of_write(pg_demo_db, lambda: _kept_exactly(cur))


def test_kept_counts_written_past_their_triggers_are_found_by_check_and_recounted(pg_demo_db):
    """A restore that bypasses the triggers leaves the kept counts behind; ``check`` names the carrier and the
    statuses, and an Administrator's recount mends them."""
    cur = pg_demo_db.cursor()
    carrier = fetch_value(cur, "SELECT carrier FROM orders WHERE archived_at IS NULL AND status = 'Delivered' "
                               "AND carrier IS NOT NULL ORDER BY order_id LIMIT 1")

    def past_the_triggers(c):
        c.execute("ALTER TABLE orders DISABLE TRIGGER order_carrier_counts_update")
        c.execute("UPDATE orders SET status = 'Cancelled' WHERE order_id = (SELECT min(order_id) FROM orders "
                  "WHERE archived_at IS NULL AND status = 'Delivered' AND carrier = ?)", [carrier])
        c.execute("ALTER TABLE orders ENABLE TRIGGER order_carrier_counts_update")

    pg_demo_db.write(past_the_triggers)
    found = sorted(b.sentence for b in check(cur) if b.check == KEPT)
    assert len(found) == 2 and all(f"orders of carrier {carrier}, archived false, status " in s for s in found)
    assert "status Cancelled (order_carrier_counts) but there are" in found[0]
    delivered = OrderQuery(carriers=(carrier,), statuses=("Delivered",))
    assert _list_orders(cur, delivered).total == _plain_count(cur, delivered) + 1  # counted from the stale rows

    recount_summaries(cur, ADMIN)
    assert not [b for b in check(cur) if b.check == KEPT]
    for q in (delivered, OrderQuery(carriers=(carrier,), statuses=("Cancelled",))):
        assert _list_orders(cur, q).total == _plain_count(cur, q)
