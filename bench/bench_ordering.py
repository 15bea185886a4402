"""Clients, creating orders and the lifecycle on 1,000,000 orders: each query and write, and the
Client Profile / Order Profile page scripts (AppTest), as medians.

Works on a private copy of the shared 1M-order demo database (it writes orders).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from bench.common import BENCH, check_page_shown, demo_database, median_ms, signed_in_app, table
from orders_core.clients.records import ClientQuery, get_client, list_clients, prescription_periods
from orders_core.orders.detail import get_order
from orders_core.orders.drafts import DraftLine, OrderDraft, review_order
from orders_core.orders.lifecycle import deliver_order, place_order, ship_order
from orders_core.orders.ordering import create_order
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value

ROOT = Path(__file__).resolve().parents[1]
ORDERS = 1_000_000


def _client(cur) -> int:
    """A client who can order today (Approved, prescription valid), with the most orders."""
    today = dt.date.today()
    return fetch_value(
        cur,
        """
        SELECT c.client_id FROM clients c JOIN prescriptions p USING (client_id)
        WHERE c.registration_status = 'Approved' AND p.valid_from <= ? AND p.valid_until >= ? AND p.grams_per_day >= 5
        ORDER BY c.client_id LIMIT 1
        """,
        [today, today],
    )


def _draft(client_id: int) -> OrderDraft:
    return OrderDraft(client_id, [DraftLine("FL-PK-035", 1), DraftLine("OL-CBD-030", 1), DraftLine("AC-GRN-001", 1)],
                      order_discount="2", carrier="UPS", shipping_charge="12.50", placed_by="Bench",
                      return_policy_agreed=True)


def _queries(db: Database, client_id: int) -> list[tuple]:
    cur = db.cursor()
    client = get_client(cur, client_id, BENCH)
    draft = _draft(client_id)
    order_id = fetch_value(cur, "SELECT max(order_id) FROM orders WHERE client_id = ?", [client_id])
    cases = [
        ("Clients page 1 (50 of all clients)", lambda: list_clients(cur, ClientQuery(), BENCH)),
        ("Clients search 'cote'", lambda: list_clients(cur, ClientQuery(search="cote"), BENCH)),
        ("Client record (client, prescription, policies)", lambda: get_client(cur, client_id, BENCH)),
        ("Prescription periods of a client", lambda: prescription_periods(cur, client, dt.date.today(), BENCH)),
        ("Live review of a 3-line draft", lambda: review_order(cur, draft, BENCH)),
        ("Order Profile data (order, lines, events)", lambda: get_order(cur, order_id, BENCH)),
    ]
    return [(name, f"{median_ms(fn):.1f}") for name, fn in cases]


def _writes(db: Database, client_id: int) -> list[tuple]:
    cur = db.cursor()
    cur.execute("UPDATE prescriptions SET grams_per_day = 1000 WHERE client_id = ?", [client_id])  # room for many
    made: list[int] = []
    rows = [("Create order (review + insert + event)",
             f"{median_ms(lambda: made.append(create_order(db, _draft(client_id), BENCH)), runs=15, warmup=1):.1f}")]
    steps = [
        ("Place Order", lambda i: place_order(db, i, BENCH, payment_method="Credit card", payment_reference="P1")),
        ("Mark as Shipped", lambda i: ship_order(db, i, BENCH, carrier="UPS", tracking_number="1Z999")),
        ("Mark as Delivered", lambda i: deliver_order(db, i, BENCH)),
    ]
    for name, fn in steps:
        ids = iter(made)
        rows.append((name, f"{median_ms(lambda fn=fn, ids=ids: fn(next(ids)), runs=len(made) - 1, warmup=1):.1f}"))
    return rows


def _pages(path: Path, client_id: int, order_id: int) -> list[tuple]:
    """Each page's script run as the app serves it (app.py's navigation, then the page)."""
    os.environ["ORDERS_DB"] = str(path)
    at = signed_in_app("CSR", timeout=60).run()
    rows = []
    for name, page, key in [("Client Profile page script (AppTest)", "client.py", client_id),
                            ("Order Profile page script (AppTest)", "order.py", order_id),
                            ("Clients page script (AppTest)", "clients.py", None)]:
        def run(page=page, key=key) -> None:
            at.switch_page(f"pages/{page}")
            if key is not None:
                at.query_params["id"] = str(key)
            at.run()
            check_page_shown(at)
        rows.append((name, f"{median_ms(run, runs=7, warmup=1):.1f}"))
    return rows


def main() -> None:
    source = demo_database(ORDERS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ordering.duckdb"
        shutil.copy(source, path)
        db = Database(str(path))
        client_id = _client(db.cursor())
        rows = _queries(db, client_id)
        order_id = fetch_value(db.cursor(), "SELECT max(order_id) FROM orders WHERE client_id = ?", [client_id])
        rows += _writes(db, client_id)
        rows += _pages(path, client_id, order_id)
        db.close()
    print(f"Clients, ordering and lifecycle on {ORDERS:,} orders (median ms):")
    print(table(rows, ("Interaction", "median ms")))


if __name__ == "__main__":
    main()
