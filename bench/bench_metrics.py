"""Metrics page: all of its aggregation queries together, over 1,000,000 orders, one-year range.

Builds its own database (``orders_core.demo.generate.generate`` into a file under /tmp), then times
``orders_core.reports.metrics.page_metrics`` (every figure and chart of the page) for the presets and
for filtered views, and prints median and worst timings. Target: under 1 s for a one-year range.

``python -m bench.bench_metrics postgresql://...`` loads the same demo into that PostgreSQL database (an
empty one: ``createdb``; ``orders_core.storage.bulk_load``) and times the same queries and pages there (the
goal there: under 2 s for a year).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import check_page_shown, signed_in_app
from orders_core.demo.generate import generate
from orders_core.reports.metrics import MetricsFilter, page_metrics, preset_range
from orders_core.storage import bulk_load
from orders_core.storage.database import Database, open_database

ORDERS = int(os.environ.get("BENCH_METRICS_ORDERS", "1000000"))
ANCHOR = dt.date(2026, 11, 26)
RUNS = 5
TARGET_S = 1.0
PG_TARGET_S = 2.0  # the goal for PostgreSQL


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


TEN_YEARS = {"range": "custom", "from": (ANCHOR - dt.timedelta(days=3652)).isoformat(), "to": ANCHOR.isoformat()}
PAGE_CASES = [
    ("Last year", {"range": "year"}),
    ("Ten years, a bar per day asked", {**TEN_YEARS, "group": "day"}),
    ("Ten years per month, category Oil", {**TEN_YEARS, "group": "month", "category": "Oil"}),
]


def _time_page(path: Path | str, params: dict[str, str]) -> tuple[list[float], list[float]]:
    """Server time of the whole Metrics page script (queries, plotly figures, widgets) for a URL:
    computed anew (the figures cache emptied before each run), then served from the cache."""
    import streamlit as st

    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the page imports ui.session from the repository
    before = os.environ.get("ORDERS_DB")
    os.environ["ORDERS_DB"] = str(path)
    try:
        at = signed_in_app("Operations Manager").switch_page("pages/metrics.py")
        for key, value in params.items():
            at.query_params[key] = value
        at.run()  # warm-up: opens the database, imports plotly
        check_page_shown(at)
        fresh, cached = [], []
        for _ in range(RUNS):
            st.cache_data.clear()
            started = time.perf_counter()
            at.run()
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            at.run()
            cached.append(time.perf_counter() - started)
        check_page_shown(at)
        return fresh, cached
    finally:
        st.cache_resource.clear()  # closes the page's Database
        if before is None:
            os.environ.pop("ORDERS_DB", None)
        else:
            os.environ["ORDERS_DB"] = before


def main(target: str | None = None) -> None:
    target_s = PG_TARGET_S if target else TARGET_S
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="bench_metrics_") as tmp:
        path = Path(tmp) / "orders.duckdb"
        print(f"bench_metrics: generating {ORDERS:,} demo orders ...", flush=True)
        print(f"  built in {_build(path):.1f} s")
        if target:  # the same rows in PostgreSQL
            db = open_database(target)
            started = time.perf_counter()
            bulk_load.load(path, db, where=target)
            print(f"  loaded into PostgreSQL in {time.perf_counter() - started:.1f} s")
        else:
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
            ("Last 30 days, category Dried flower", MetricsFilter(*preset_range("Last 30 days", ANCHOR),
                                                                  categories=("Dried flower",))),
            ("Since 2018, categories Oil + Capsules", MetricsFilter(dt.date(2018, 1, 1), ANCHOR,
                                                                    categories=("Oil", "Capsules"))),
        ]
        for label, f in cases:
            median, worst, pm = _time(cur, f)
            flag = "OK" if median < target_s else "OVER TARGET"
            h = pm.headline.current
            print(f"  {label:<40} all page queries: median {median * 1000:7.1f} ms, "
                  f"worst {worst * 1000:7.1f} ms  [{flag}]")
            print(f"      orders {h.orders:,}  revenue ${h.revenue:,}  grams shipped {h.grams_shipped:,} g  "
                  f"chart rows {len(pm.volume) + len(pm.lead_times) + len(pm.coverage):,}")
        db.close()
        for label, params in PAGE_CASES:
            fresh, cached = _time_page(target or path, params)
            median = statistics.median(fresh)
            print(f"  Whole page script (AppTest), {label:<34} computed: median {median * 1000:7.1f} ms, "
                  f"worst {max(fresh) * 1000:7.1f} ms; from the cache: {statistics.median(cached) * 1000:6.1f} ms "
                  f"[{'OK' if max(fresh) < target_s else 'OVER TARGET'}]")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
