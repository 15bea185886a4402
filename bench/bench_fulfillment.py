"""Fulfillment at 1,000,000 orders: client labels for 500 orders, a carrier's file of 2,000 orders shipped in
bulk, and the packing station's scans.

Targets: labels for 500 orders (about 1,500 units) in under 5 s; the 2,000-order file applied in under 5 s;
each scan answered in under 150 ms. Works on a private copy of the shared 1,000,000-order demo
(``bench.common.demo_database``), after putting the orders it needs in Order Placed (as ``bench_picking``).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import demo_database, table
from orders_core.fulfillment import bulk_ship, packing
from orders_core.fulfillment.labels import print_labels
from orders_core.rules.roles import FULFILLMENT
from orders_core.staff.members import DEMO_STAFF
from orders_core.storage.database import Database

LABEL_ORDERS = 500
SHIP_ORDERS = 2_000
SCANS = 40
WHO = next(p for p in DEMO_STAFF if p.role == FULFILLMENT)


def _prepare(db: Database) -> tuple[list[int], list[int]]:
    cur = db.cursor()
    label_ids = [r[0] for r in cur.execute(
        """SELECT l.order_id FROM order_lines l JOIN products p USING (sku) WHERE p.is_cannabis
           GROUP BY l.order_id HAVING sum(l.units) BETWEEN 3 AND 4 ORDER BY l.order_id LIMIT ?""",
        [LABEL_ORDERS]).fetchall()]
    ship_ids = [r[0] for r in cur.execute(
        "SELECT order_id FROM orders WHERE order_id NOT IN (SELECT unnest(?::BIGINT[])) AND created_at < now() "
        "ORDER BY order_id DESC LIMIT ?", [label_ids, SHIP_ORDERS]).fetchall()]
    cur.execute("UPDATE orders SET status = 'Order Placed', archived_at = NULL, carrier = 'Canada Post', "
                "shipped_on = NULL, delivered_on = NULL, tracking_number = NULL "
                "WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [label_ids + ship_ids])
    return label_ids, ship_ids


def main() -> None:
    source = demo_database()
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        path = Path(tmp) / "fulfillment.duckdb"
        shutil.copy(source, path)
        db = Database(str(path))
        label_ids, ship_ids = _prepare(db)
        started = time.perf_counter()
        made = print_labels(db, label_ids, WHO, stock="letter-2x4")
        t_labels = time.perf_counter() - started
        started = time.perf_counter()
        made_4x6 = print_labels(db, label_ids, WHO, stock="4x6")
        t_labels_4x6 = time.perf_counter() - started

        data = ("order_id,tracking_number,ship_date,carrier\n"
                + "".join(f"{i},CP{i}CA,,Canada Post\n" for i in ship_ids)).encode()
        started = time.perf_counter()
        report = bulk_ship.import_file(db, data, WHO, bulk_ship.TEMPLATES["Standard"])
        t_ship = time.perf_counter() - started
        assert report.committed, report.summary()

        cur = db.cursor()
        scans, opens = [], []
        for order_id in label_ids[:20]:
            started = time.perf_counter()
            state = packing.open_order(cur, WHO, str(order_id))
            opens.append(time.perf_counter() - started)
            for line in state.lines:
                for _ in range(line.units):
                    started = time.perf_counter()
                    packing.scan_unit(db, WHO, order_id, line.sku)
                    scans.append(time.perf_counter() - started)
            if len(scans) >= SCANS:
                break
        db.close()
    print(table([
        (f"labels, {len(label_ids):,} orders ({made.labels:,} units), Letter 2 × 4", f"{t_labels:.2f} s", "< 5 s"),
        (f"labels, {len(label_ids):,} orders ({made_4x6.labels:,} units), 4 × 6", f"{t_labels_4x6:.2f} s", "< 5 s"),
        (f"bulk ship, {report.rows:,}-order file", f"{t_ship:.2f} s", "< 5 s"),
        (f"packing: open an order (median of {len(opens)})", f"{statistics.median(opens) * 1000:.0f} ms", "< 150 ms"),
        (f"packing: one scan (median of {len(scans)}; max {max(scans) * 1000:.0f} ms)",
         f"{statistics.median(scans) * 1000:.0f} ms", "< 150 ms"),
    ], ("1,000,000 orders", "time", "target")))


if __name__ == "__main__":
    main()
