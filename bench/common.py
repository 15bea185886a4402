"""What the benchmarks share: a 1,000,000-order database built once, and a median timer."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from orders_core.db import Database, fetch_value
from orders_core.demo import generate

ANCHOR = dt.date(2026, 11, 26)
BENCH_DIR = Path("/tmp/orders-bench")


def demo_database(orders: int = 1_000_000) -> Path:
    """A demo database of ``orders`` orders, generated once and reused by later runs."""
    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / f"demo-{orders}.duckdb"
    if path.exists():
        db = Database(str(path))
        try:
            if fetch_value(db.cursor(), "SELECT count(*) FROM orders") == orders:
                return path
        finally:
            db.close()
        path.unlink()
    db = Database(str(path))
    started = time.perf_counter()
    generate(db.con, orders, anchor=ANCHOR)
    db.con.execute("CHECKPOINT")
    db.close()
    print(f"generated {orders:,} demo orders in {time.perf_counter() - started:.1f} s")
    return path


def median_ms(fn: Callable[[], object], runs: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
