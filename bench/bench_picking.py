"""Picking list of 500 orders (about 1,500 lines): preview, generate (snapshot + events + PDF), download again.

Target: generating the list in under 5 s. Builds its own demo database under /tmp, then puts
500 orders (those with the most lines) in Order Placed so the list is as big as a busy day asks (500 orders).
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import BENCH
from orders_core.demo.generate import generate
from orders_core.fulfillment.picking import generate_picking_list, picking_list_pdf, picking_preview
from orders_core.fulfillment.picking_pdf import grams_text
from orders_core.storage.database import Database

DEMO_ORDERS = 5_000
LIST_ORDERS = 500
RUNS = 3


def _prepare(path: Path) -> tuple[Database, list[int]]:
    db = Database(str(path))
    generate(db.con, DEMO_ORDERS, seed=7, anchor=dt.date(2026, 11, 26))
    rows = db.con.execute(
        """
        SELECT order_id FROM order_lines GROUP BY order_id
        ORDER BY count(*) DESC, order_id LIMIT ?
        """,
        [LIST_ORDERS],
    ).fetchall()
    ids = [r[0] for r in rows]
    db.con.execute(
        "UPDATE orders SET status = 'Order Placed', archived_at = NULL WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
        [ids],
    )
    return db, ids


def _median(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        db, ids = _prepare(Path(tmp) / "bench_picking.duckdb")
        cur = db.cursor()
        preview = picking_preview(cur, ids)
        t_preview, _ = _median(lambda: picking_preview(cur, ids))
        t_generate, made = _median(lambda: generate_picking_list(db, order_ids=ids, actor=BENCH))
        t_again, _ = _median(lambda: picking_list_pdf(db, made.number))
        pages = made.pdf.count(b"/Type /Page\n") or made.pdf.count(b"/Type /Page")
        db.close()
    print(f"picking list: {preview.orders:,} orders, {preview.lines:,} lines, {preview.units:,} units, "
          f"{grams_text(preview.grams)} g; PDF {len(made.pdf) / 1024:,.0f} KiB, ~{pages} pages")
    print(f"  preview          median {t_preview * 1000:8.1f} ms")
    print(f"  generate         median {t_generate * 1000:8.1f} ms   (target < 5,000 ms)")
    print(f"  download again   median {t_again * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
