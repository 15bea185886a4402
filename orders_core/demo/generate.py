"""A realistic, deterministic demo data set that agrees with itself, generated in bulk with SQL.

Every random choice is ``hash(row, salt, seed)``: the same seed and anchor date give the same
data set. The business grows steadily over four years before the anchor date (clients register
along a curve that grows about 9% a month), so the recent weeks, where orders are still moving
through the lifecycle, hold enough orders for every status even in a small data set.

The data follows the same rules as orders made in the app, so ``orders-core check`` finds no
breach in a demo database of any size: ``demo.clients`` says how the clients, their prescriptions and
the orders they may make keep them, ``demo.orders`` how the orders, their coverage and the recurring
templates do.
"""

from __future__ import annotations

import datetime as dt
import math

from orders_core.demo.catalogue import products
from orders_core.demo.clients import _clients, _stage_candidates, _stage_clients
from orders_core.demo.events import _events
from orders_core.demo.orders import FIRST_ORDER_ID, _demo_products, _orders, _recurring
from orders_core.reports import rollup as metrics_rollup
from orders_core.staff.members import add_demo_staff
from orders_core.storage import tracking_grams
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value

ORDERS_PER_CLIENT = 12  # about 17 candidate orders per client on average: enough to keep exactly ``orders``


def generate(
    con: Cursor,
    orders: int,
    *,
    seed: int = 42,
    anchor: dt.date | None = None,
) -> dict[str, int]:
    """Fill an empty database with ``orders`` orders and the clients, products and templates behind them."""
    if orders < 0:
        raise ValueError("The number of orders cannot be negative.")
    existing = fetch_value(con, "SELECT count(*) FROM orders")
    if existing:
        raise ValueError(f"The database already holds {existing:,} orders; demo data goes into an empty one.")
    anchor = anchor or dt.date.today()
    seed = int(seed)
    con.execute(f"CREATE OR REPLACE TEMP MACRO rnd(i, salt) AS (hash(i, salt, {seed}) % 1000003) / 1000003.0")
    con.execute(f"CREATE OR REPLACE TEMP MACRO pick(i, salt, n) AS (hash(i, salt, {seed}) % n)::INTEGER + 1")
    n_clients = max(40, math.ceil(orders / ORDERS_PER_CLIENT))
    while True:  # more clients until there are enough candidate orders (once, in practice)
        _stage_clients(con, n_clients, anchor)
        if _stage_candidates(con, anchor) >= orders:
            break
        n_clients = math.ceil(n_clients * 1.5)
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", products())
        _clients(con, n_clients)
        _demo_products(con)
        _recurring(con, anchor)
        _orders(con, orders, anchor)
        _events(con, anchor)
        _reset_sequences(con)
        tracking_grams.fill(con)  # the search's signatures of the tracking numbers (DuckDB)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    add_demo_staff(con, dt.datetime.combine(anchor, dt.time(8)))
    metrics_rollup.refresh(con)  # the Metrics page's daily summaries, so its first view reads them alone
    return {"clients": n_clients, "orders": orders}


def _reset_sequences(con: Cursor) -> None:
    """Start each id sequence after the ids the bulk insert used."""
    for seq, table, col in [
        ("order_ids", "orders", "order_id"),
        ("client_ids", "clients", "client_id"),
        ("event_ids", "order_events", "event_id"),
        ("prescription_ids", "prescriptions", "prescription_id"),
        ("policy_ids", "coverage_policies", "policy_id"),
        ("recurring_ids", "recurring_orders", "recurring_order_id"),
        ("recurring_event_ids", "recurring_events", "event_id"),
    ]:
        start = fetch_value(con, f"SELECT coalesce(max({col}), 0) + 1 FROM {table}")
        start = max(start, FIRST_ORDER_ID) if seq == "order_ids" else start
        con.execute(f"DROP SEQUENCE {seq}")
        con.execute(f"CREATE SEQUENCE {seq} START {int(start)}")
