"""PostgreSQL's ``client_search`` (``storage.client_search``, migration 20): each client's searchable name and
orders not archived, kept by triggers. A search by name in the All view is counted from it; every other
search is counted from the orders, and both give the plain query's total after every kind of write."""

from __future__ import annotations

import random
import threading

import pytest

from orders_core.orders import index
from orders_core.orders.index import OrderQuery, _list_orders, _where
from orders_core.reports.check import check, recount_summaries
from orders_core.storage.reads import fetch_value
from tests.people import ADMIN
from tests.races import join_all
from tests.unit.orders.summary_writes import every_kind_of_write

pytestmark = pytest.mark.postgresql

KEPT = "client_search"
SERVED = ["cote", "CÔTÉ"]  # searches the kept counts answer (names alone, All view), and a client's two names in
# the other order (``_served``)
COUNTED = [OrderQuery(search="cote", view="Unverified"), OrderQuery(search="cote", view="Archived"),
           OrderQuery(search="cote", statuses=("Shipped",)), OrderQuery(search="cote", visible_statuses=("Shipped",)),
           OrderQuery(search="cote", carriers=("UPS",)), OrderQuery(search="cote", sources=("CSR",)),
           OrderQuery(search="o"),  # clients' names and carriers': the orders are counted
           OrderQuery(search="zzzz-nobody")]


def _plain_count(cur, q: OrderQuery) -> int:
    where, params, _matched = _where(cur, q.validated())
    return fetch_value(cur, f"SELECT count(*) FROM orders o WHERE {where}", params)


def _served(cur) -> list[str]:
    first = fetch_value(cur, "SELECT min(name) FROM clients c WHERE name_key LIKE '%cote' AND name LIKE '% %' "
                             "AND EXISTS (SELECT 1 FROM orders o WHERE o.client_id = c.client_id)")
    return [*SERVED, " ".join(reversed(first.split()))]


def _kept_exactly(cur) -> None:
    kept = cur.execute(f"SELECT client_id, name_key, open_orders FROM {KEPT} ORDER BY 1").fetchall()
    actual = cur.execute("SELECT c.client_id, c.name_key, count(o.order_id) FILTER (WHERE o.archived_at IS NULL) "
                         "FROM clients c LEFT JOIN orders o USING (client_id) GROUP BY 1, 2 ORDER BY 1").fetchall()
    assert kept == actual
    for q in [OrderQuery(search=s) for s in _served(cur)] + COUNTED:
        assert _list_orders(cur, q).total == _plain_count(cur, q), q


def test_a_name_search_is_counted_from_the_kept_rows_exactly_after_every_write(pg_demo_db, monkeypatch):
    cur = pg_demo_db.cursor()
    served = []
    alone = index._searched_alone
    monkeypatch.setattr(index, "_searched_alone", lambda q: alone(q) and not served.append(q.search))
    _kept_exactly(cur)
    assert served == _served(cur)  # these, and none of the others
    assert all(_list_orders(cur, OrderQuery(search=s)).total > 0 for s in _served(cur))

    every_kind_of_write(pg_demo_db, lambda: _kept_exactly(cur))

    # The clients' side: a new client, a renamed one, an order moved between clients, a client deleted.
    first, second = (r[0] for r in cur.execute(
        "SELECT client_id FROM orders WHERE archived_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"
    ).fetchall())
    moved = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE client_id = ? AND archived_at IS NULL", [first])

    def clients_side(c) -> None:
        c.execute("CREATE TEMP TABLE one ON COMMIT DROP AS SELECT * FROM clients WHERE client_id = ?", [first])
        c.execute("UPDATE one SET client_id = 9000001, name = 'Zoë Côté-Test', "
                  "name_key = 'zoe cote-test'")
        c.execute("INSERT INTO clients SELECT * FROM one")
        c.execute("UPDATE clients SET name = 'Marie Cotelette', name_key = 'marie cotelette' WHERE client_id = ?",
                  [second])
        c.execute("UPDATE orders SET client_id = 9000001 WHERE order_id = ?", [moved])

    pg_demo_db.write(clients_side)
    _kept_exactly(cur)
    assert fetch_value(cur, f"SELECT open_orders FROM {KEPT} WHERE client_id = 9000001") == 1

    def undo(c) -> None:
        c.execute("UPDATE orders SET client_id = ? WHERE order_id = ?", [first, moved])
        c.execute("DELETE FROM clients WHERE client_id = 9000001")

    pg_demo_db.write(undo)
    _kept_exactly(cur)


def test_kept_rows_written_past_their_triggers_are_found_by_check_and_recounted(pg_demo_db):
    cur = pg_demo_db.cursor()
    order_id, client_id = cur.execute("SELECT order_id, client_id FROM orders WHERE archived_at IS NULL "
                                      "ORDER BY order_id LIMIT 1").fetchall()[0]

    def past_the_triggers(c):
        c.execute("ALTER TABLE orders DISABLE TRIGGER client_search_orders_update")
        c.execute("UPDATE orders SET archived_at = now()::TIMESTAMP WHERE order_id = ?", [order_id])
        c.execute("ALTER TABLE orders ENABLE TRIGGER client_search_orders_update")

    pg_demo_db.write(past_the_triggers)
    found = [b for b in check(cur) if b.check == KEPT]
    assert [b.subject for b in found] == [f"client {client_id}"]
    assert "orders not archived but there are" in found[0].sentence

    recount_summaries(cur, ADMIN)
    assert not [b for b in check(cur) if b.check == KEPT]
    _kept_exactly(cur)
    cur.execute("UPDATE orders SET archived_at = NULL WHERE order_id = ?", [order_id]).fetchall()
    _kept_exactly(cur)


def test_writers_adding_orders_for_the_same_clients_at_once_keep_the_counts(pg_demo_db):
    """Four writers each add one order for each of 30 clients, in their own order, 5 times over: none fails
    and the counts end exact. (The kept rows are written in client order; the orders' other summaries already
    make such writers take turns, so no deadlock could be provoked here without that order either.)"""
    cur = pg_demo_db.cursor()
    clients = [r[0] for r in cur.execute("SELECT client_id FROM clients ORDER BY client_id LIMIT 30").fetchall()]
    template = fetch_value(cur, "SELECT min(order_id) FROM orders")
    start = threading.Barrier(4, timeout=30)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        mine = clients[:]
        random.Random(n).shuffle(mine)
        try:
            start.wait()
            for round_ in range(5):
                def add(c, round_=round_) -> None:
                    c.execute("CREATE TEMP TABLE copies ON COMMIT DROP AS SELECT o.*, k.client_id AS new_client, "
                              "k.i AS new_i FROM orders o, unnest(?::INTEGER[]) WITH ORDINALITY AS k(client_id, i) "
                              "WHERE o.order_id = ?", [mine, template])
                    c.execute("UPDATE copies SET client_id = new_client, order_id = 60000000 + ? * 1000 + ? * 100 "
                              "+ new_i", [n, round_])
                    c.execute("ALTER TABLE copies DROP COLUMN new_client, DROP COLUMN new_i")
                    c.execute("INSERT INTO orders SELECT * FROM copies")
                pg_demo_db.write(add)
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    join_all(threads)
    assert errors == []
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE order_id > 60000000") == 4 * 5 * 30
    _kept_exactly(cur)
    cur.execute("DELETE FROM orders WHERE order_id > 60000000").fetchall()
    _kept_exactly(cur)
