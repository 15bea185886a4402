"""`make bench-10m`: the Orders index, the Metrics page and the monthly reports on 1,000,000 and on
10,000,000 orders, side by side, with how each cost grows (the 10M figure over the 1M one).

Each figure is the core call a page makes, fresh (nothing cached): ``access.list_orders_for`` (count and
page together, median of 7), ``metrics.page_metrics`` (every figure of the page, median of 5) and each
monthly report's figures for the last complete month (median of 5). The DuckDB demos are
``bench.common.demo_database`` (made once, kept in ORDERS_BENCH_DIR: the 10,000,000-order one takes a few
minutes the first time). ``--postgres`` also loads each size into a throwaway PostgreSQL server
(``orders-core demo --db postgresql://...``; about a minute per million orders) and times the same calls.
``BENCH_SCALE_SIZES=1000000,10000000`` (the default) sets the sizes. Not part of ``make bench``: it takes
long, and its figures are for docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

from bench.bench_index import INTERACTIONS
from bench.common import ANCHOR, BENCH, demo_database, median_ms, table
from orders_core.orders.access import list_orders_for
from orders_core.reports.metrics import MetricsFilter, page_metrics, preset_range
from orders_core.reports.monthly import figures
from orders_core.reports.monthly.months import last_complete_month
from orders_core.storage.database import Database, open_database

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SCALE_SIZES", "1000000,10000000").split(","))
YEAR = preset_range("Last year", ANCHOR)
METRICS = [
    ("Metrics, last 30 days", MetricsFilter(*preset_range("Last 30 days", ANCHOR))),
    ("Metrics, last year", MetricsFilter(*YEAR)),
    ("Metrics, last year, category Oil", MetricsFilter(*YEAR, categories=("Oil",))),
    ("Metrics, since 2018, Oil + Capsules", MetricsFilter(dt.date(2018, 1, 1), ANCHOR, categories=("Oil", "Capsules"))),
]


def measure(db) -> dict[str, float]:
    cur = db.cursor()
    out = {}
    for label, q in INTERACTIONS:
        out[f"Index: {label}"] = median_ms(lambda q=q: list_orders_for(cur, q, BENCH), runs=7, warmup=1)
    for label, f in METRICS:
        out[label] = median_ms(lambda f=f: page_metrics(cur, f, ANCHOR), runs=5, warmup=1)
    month = last_complete_month(ANCHOR)
    for name, compute in figures.COMPUTE.items():
        out[f"Report {name}, {month}"] = median_ms(lambda c=compute: c(cur, month), runs=5, warmup=1)
    return out


def duckdb_figures(size: int) -> dict[str, float]:
    db = Database(str(demo_database(size)))
    try:
        return measure(db)
    finally:
        db.close()


def postgres_figures(size: int) -> dict[str, float]:
    from bench.bench_load import postgres_demo

    server = postgres_demo(size)
    try:
        db = open_database(server.url("orders_load"))
        try:
            return measure(db)
        finally:
            db.close()
    finally:
        server.stop()


def report(results: dict[tuple[str, int], dict[str, float]]) -> None:
    columns = list(results)
    labels = list(next(iter(results.values())))
    rows = []
    for label in labels:
        row = [label]
        for engine in dict.fromkeys(e for e, _ in columns):
            sizes = [s for e, s in columns if e == engine]
            values = [results[(engine, s)][label] for s in sizes]
            row += [f"{v:,.0f}" for v in values]
            if len(values) > 1:
                row.append(f"{values[-1] / values[0]:.1f}x" if values[0] else "")
        rows.append(tuple(row))
    header = ["figure (median ms)"]
    for engine in dict.fromkeys(e for e, _ in columns):
        sizes = [s for e, s in columns if e == engine]
        header += [f"{engine} {s:,}" for s in sizes]
        if len(sizes) > 1:
            header.append(f"{engine} growth")
    print(table(rows, tuple(header)))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    results: dict[tuple[str, int], dict[str, float]] = {}
    for size in SIZES:
        print(f"DuckDB, {size:,} orders ...", flush=True)
        results[("DuckDB", size)] = duckdb_figures(size)
    if "--postgres" in argv:
        for size in SIZES:
            print(f"PostgreSQL, {size:,} orders ...", flush=True)
            results[("PostgreSQL", size)] = postgres_figures(size)
    print(f"\nOn {os.cpu_count()} cores; each figure fresh (no cache), the call a page makes.")
    report(results)


if __name__ == "__main__":
    main()
