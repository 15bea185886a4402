"""Metrics page: all of its aggregation queries together, over 1,000,000 orders, one-year range.

Builds its own database (``orders_core.demo.generate`` into a file under /tmp), then times
``orders_core.metrics.page_metrics`` (every figure and chart of the page) for the presets and
for filtered views, and prints median and worst timings. Target: under 1 s for a one-year range.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from orders_core.db import Database
from orders_core.demo import generate
from orders_core.metrics import MetricsFilter, page_metrics, preset_range

ORDERS = int(os.environ.get("BENCH_METRICS_ORDERS", "1000000"))
ANCHOR = dt.date(2026, 11, 26)
RUNS = 5
TARGET_S = 1.0


def _build(path: Path) -> float:
    started = time.perf_counter()
    db = Database(str(path))
    generate(db.con, ORDERS, seed=7, anchor=ANCHOR)
    db.con.execute("CHECKPOINT")
    db.close()
    return time.perf_counter() - started


def _time(cur, f: MetricsFilter) -> tuple[float, float, object]:
    page_metrics(cur, f, ANCHOR)  # warm-up
    timings = []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = page_metrics(cur, f, ANCHOR)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings), result


def _time_page(path: Path) -> list[float]:
    """Server time of the whole Metrics page script (queries, plotly figures, widgets) for the last year."""
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the page imports ui.session from the repository
    page = str(root / "views" / "metrics.py")
    before = os.environ.get("ORDERS_DB")
    os.environ["ORDERS_DB"] = str(path)
    try:
        at = AppTest.from_file(page, default_timeout=120)
        at.query_params["range"] = "year"
        at.run()  # warm-up: opens the database, imports plotly
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            at.run()
            timings.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(at.exception[0].value)
        return timings
    finally:
        import streamlit as st

        st.cache_resource.clear()  # closes nothing by itself, but drops the page's Database
        if before is None:
            os.environ.pop("ORDERS_DB", None)
        else:
            os.environ["ORDERS_DB"] = before


def main() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench_metrics_") as tmp:
        path = Path(tmp) / "orders.duckdb"
        print(f"bench_metrics: generating {ORDERS:,} demo orders ...", flush=True)
        print(f"  built in {_build(path):.1f} s")
        db = Database(str(path))
        cur = db.cursor()
        year = preset_range("Last year", ANCHOR)
        cases = [
            ("Last 7 days", MetricsFilter(*preset_range("Last 7 days", ANCHOR))),
            ("Last 30 days", MetricsFilter(*preset_range("Last 30 days", ANCHOR))),
            ("Last quarter", MetricsFilter(*preset_range("Last quarter", ANCHOR))),
            ("Last year", MetricsFilter(*year)),
            ("Last year, Client Portal + Canada Post", MetricsFilter(*year, sources=("Client Portal",),
                                                                    carriers=("Canada Post",))),
            ("Last year, category Oil", MetricsFilter(*year, categories=("Oil",))),
        ]
        for label, f in cases:
            median, worst, pm = _time(cur, f)
            flag = "OK" if median < TARGET_S else "OVER TARGET"
            h = pm.headline.current
            print(f"  {label:<40} all page queries: median {median * 1000:7.1f} ms, "
                  f"worst {worst * 1000:7.1f} ms  [{flag}]")
            print(f"      orders {h.orders:,}  revenue ${h.revenue:,}  grams shipped {h.grams_shipped:,} g  "
                  f"chart rows {len(pm.volume) + len(pm.lead_times) + len(pm.coverage):,}")
        db.close()
        timings = _time_page(path)
        median = statistics.median(timings)
        print(f"  {'Whole page script, last year (AppTest)':<40} queries + figures: median {median * 1000:7.1f} ms, "
              f"worst {max(timings) * 1000:7.1f} ms  [{'OK' if median < TARGET_S else 'OVER TARGET'}]")


if __name__ == "__main__":
    main()
