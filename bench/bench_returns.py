"""Recording a return and refunding it on 1,000,000 orders: the median of one return of one unit and its refund
(client and insurers), each on another Delivered order with coverage. Target: under 50 ms.

Works on a private copy of the shared 1M-order demo database (it writes returns).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import demo_database, table
from orders_core.returns.recording import record_return
from orders_core.returns.refunds import refund_return
from orders_core.rules.roles import CSR
from orders_core.staff.members import DEMO_STAFF
from orders_core.storage.database import Database

ORDERS = 1_000_000
RUNS = 25
CLERK = next(p for p in DEMO_STAFF if p.role == CSR)


def main() -> None:
    source = demo_database(ORDERS)
    with tempfile.TemporaryDirectory(prefix="bench-returns-") as folder:
        path = Path(folder) / "orders.duckdb"
        shutil.copy(source, path)
        db = Database(str(path))
        try:
            picks = db.cursor().execute(
                """
                SELECT o.order_id, min(l.sku) FROM orders o JOIN order_lines l USING (order_id)
                WHERE o.status = 'Delivered' AND o.coverage_amount > 0 AND o.archived_at IS NULL
                GROUP BY o.order_id ORDER BY o.order_id DESC LIMIT ?
                """,
                [RUNS + 3],
            ).fetchall()
            record_ms, refund_ms, both_ms = [], [], []
            for i, (order_id, sku) in enumerate(picks):
                started = time.perf_counter()
                back = record_return(db, order_id, CLERK, units={sku: 1}, reason="Damaged in transit")
                middle = time.perf_counter()
                refund_return(db, back.return_id, CLERK, method="Original payment method", reference=f"B-{i}")
                ended = time.perf_counter()
                if i >= 3:  # the first runs warm the caches
                    record_ms.append((middle - started) * 1000)
                    refund_ms.append((ended - middle) * 1000)
                    both_ms.append((ended - started) * 1000)
        finally:
            db.close()
    rows = [("record a return (1 unit)", f"{statistics.median(record_ms):.1f}"),
            ("refund it (client and insurers)", f"{statistics.median(refund_ms):.1f}"),
            ("both", f"{statistics.median(both_ms):.1f}")]
    print(f"Returns on {ORDERS:,} orders, median of {len(both_ms)} (ms):")
    print(table(rows, ("step", "median ms")))


if __name__ == "__main__":
    main()
