"""A writer killed with SIGKILL at random moments leaves a database that opens and `orders-core check` finds clean."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import pytest

from orders_core.demo.catalogue import products
from orders_core.orders.archive import archive_orders
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused
from orders_core.orders.lifecycle import (
    LifecycleError,
    cancel_order,
    deliver_order,
    edit_order,
    place_order,
    ship_order,
)
from orders_core.orders.ordering import create_order
from orders_core.reports.check import check
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from tests.order_helpers import make_client
from tests.people import acting

KILLS = 20
SKUS = ["FL-PK-035", "OL-THC-030", "PR-SD-1x10", "AC-GRN-001", "FL-BB-150"]


def writer(path: str, clients: list[int], seed: int, ready) -> None:
    """Create orders and move them through the lifecycle until killed."""
    rng = random.Random(seed)
    db = Database(path)
    ready.set()
    while True:
        client = rng.choice(clients)
        lines = [DraftLine(rng.choice(SKUS), rng.randint(1, 2)) for _ in range(rng.randint(1, 3))]
        try:
            oid = create_order(db, OrderDraft(client, lines, carrier="UPS", placed_by="Crash Test",
                                              return_policy_agreed=True), acting("Crash Test"))
            step = rng.random()
            if step < 0.2:
                edit_order(db, oid, acting("Crash Test"), lines=lines[:1], carrier="Purolator")
            elif step < 0.3:
                cancel_order(db, oid, acting("Crash Test"), reason="crash test")
            else:
                place_order(db, oid, acting("Crash Test"), payment_method="Credit card", payment_reference="PAY-1")
                if step > 0.5:
                    ship_order(db, oid, acting("Crash Test"), carrier="UPS", tracking_number="1Z-CRASH-1")
                    deliver_order(db, oid, acting("Crash Test"))
                    if step > 0.8:
                        archive_orders(db, [oid], acting("Crash Test"))
        except (OrderRefused, LifecycleError):
            continue


@pytest.fixture
def crash_db(tmp_path) -> tuple[str, list[int]]:
    path = str(tmp_path / "crash.duckdb")
    db = Database(path)
    cur = db.cursor()
    cur.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", products())
    clients = [make_client(cur, f"Crash Client {i}", gpd="10",
                           policy=("Blue Cross", "0.8", "300", None) if i % 2 else None) for i in range(4)]
    db.close()
    return path, clients


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_writers_leave_a_clean_database(crash_db):
    path, clients = crash_db
    ctx = multiprocessing.get_context("fork")  # the parent holds no connection while a child writes
    rng = random.Random(20261126)
    started, orders = time.monotonic(), []
    for kill in range(KILLS):
        ready = ctx.Event()
        child = ctx.Process(target=writer, args=(path, clients, kill, ready), daemon=True)
        child.start()
        assert ready.wait(30), "the writer never opened the database"
        time.sleep(rng.uniform(0.1, 1.2))  # an order and its steps take 0.05-0.2 s each
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
        db = Database(path)
        breaches = check(db.cursor())
        orders.append(fetch_value(db.cursor(), "SELECT count(*) FROM orders"))
        db.close()
        assert breaches == [], f"after kill {kill + 1}: {[b.sentence for b in breaches]}"
    assert orders[-1] > 0 and len(set(orders)) > KILLS // 2, orders  # the writers did write between the kills
    assert time.monotonic() - started < 90
