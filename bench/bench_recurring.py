"""Recurring orders at scale: 100,000 enabled templates; generate one day's due orders.

Target: generating one day's due orders in under 10 s (set-based SQL). Builds its own database
under /tmp: a copy of the shared 1,000,000-order demo (bench/common.py), then 100,000 more clients with a prescription and an
enabled template each (1 to 3 lines), next order dates spread over the next 30 days; 1 % of them
are allowed 10 g a day and hold more than 150 g a month, so they split into several shipments;
2 % have a registration that is not Approved, so they are skipped.
Also times the worst case (every template due on one day), the idempotent rerun, the preview
and the page's queries.

``python -m bench.bench_recurring postgresql://.../NAME`` (an empty database, ``createdb NAME``) loads the same
database into PostgreSQL (``orders_core.storage.bulk_load``) and times the same steps there; the worst case runs in a
copy, ``NAME_worst`` (``CREATE DATABASE ... TEMPLATE``, dropped at the end; the user needs CREATEDB).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.common import BENCH, demo_database
from orders_core.recurring import api as rec
from orders_core.storage import bulk_load
from orders_core.storage.database import Database, open_database
from orders_core.storage.reads import fetch_value

ANCHOR = dt.date(2026, 11, 26)
DEMO_ORDERS = 1_000_000
TEMPLATES = 100_000
FIRST_CLIENT = 500_001


def _add_templates(con) -> None:
    con.execute(
        f"""
        INSERT INTO clients
        SELECT {FIRST_CLIENT} + i, 'Bench Client ' || i, 'bench client ' || i, DATE '1970-01-01' + (i % 15000)::INTEGER,
               NULL, NULL, i || ' Rue Bench', NULL, 'Montréal', 'QC', 'H2X 1Y4',
               CASE WHEN i % 50 = 7 THEN 'Pending Verification' ELSE 'Approved' END,
               DATE '2024-01-01', TIMESTAMP '2024-01-01'
        FROM range({TEMPLATES}) t(i)
        """
    )
    con.execute(
        f"""
        INSERT INTO prescriptions
        SELECT 900000 + i, {FIRST_CLIENT} + i, CASE WHEN i % 100 = 3 THEN 10 ELSE 2 + (i % 4) END,
               DATE '{ANCHOR}' - ((i % 200) + 1)::INTEGER, DATE '{ANCHOR}' + 365, 'Dr Bench', TRUE
        FROM range({TEMPLATES}) t(i)
        """
    )
    con.execute(
        f"""
        INSERT INTO recurring_orders
        SELECT 700000 + i, {FIRST_CLIENT} + i, 'Canada Post', TRUE, 'period', NULL,
               DATE '{ANCHOR}' + (hash(i) % 30)::INTEGER, NULL, NULL, NULL, 'Bench', TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-01'
        FROM range({TEMPLATES}) t(i)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE bench_skus AS
        SELECT sku, dried_equiv_grams, row_number() OVER (ORDER BY sku) AS k
        FROM products WHERE is_cannabis AND dried_equiv_grams BETWEEN 1 AND 15
        """
    )
    n = fetch_value(con, "SELECT count(*) FROM bench_skus")
    con.execute(
        f"""
        INSERT INTO recurring_order_lines
        SELECT r.recurring_order_id, l.line_no, s.sku,
               CASE WHEN r.recurring_order_id % 100 = 3 THEN 8 ELSE 1 END
        FROM recurring_orders r, LATERAL (SELECT unnest(range(1, (r.recurring_order_id % 3) + 2)) AS line_no) l,
             bench_skus s
        WHERE r.recurring_order_id >= 700000
          AND s.k = (r.recurring_order_id * 7 + l.line_no * 3) % {n} + 1
        """
    )


def _build(path: Path) -> None:
    shutil.copy(demo_database(DEMO_ORDERS), path)
    db = Database(str(path))
    _add_templates(db.con)
    db.con.execute("CHECKPOINT")
    db.close()


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        times.append(_timed(fn)[0])
    return statistics.median(times) * 1000


def _one_day(target: str) -> None:
    db = open_database(target, create=False)
    cur = db.cursor()
    enabled = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled")
    preview_s, plan = _timed(lambda: rec.preview_due(cur, BENCH, ANCHOR))
    run_s, result = _timed(lambda: rec.generate_due(db, BENCH, ANCHOR))
    rerun_s, again = _timed(lambda: rec.generate_due(db, BENCH, ANCHOR))
    split = int((result.orders["Shipments"] > 1).sum()) if len(result.orders) else 0
    print(f"{enabled:,} enabled templates; one day's run ({ANCHOR}): {result.due:,} due -> "
          f"{len(result.orders):,} orders ({split:,} of them shipments of a split month), {len(result.skipped):,} skipped")
    print(f"  preview (what it will create): {preview_s:.2f} s for {len(plan):,} rows")
    print(f"  generate one day's due orders: {run_s:.2f} s  (target < 10 s)")
    print(f"  rerun the same day (idempotent, {len(again.orders)} orders): {rerun_s:.2f} s")
    print(f"  page: count due in 7 days {_median_ms(lambda: rec.count_due(cur, ANCHOR)):.0f} ms, "
          f"first page of the index {_median_ms(lambda: rec.list_templates(cur, rec.TemplateQuery(today=ANCHOR), BENCH)):.0f} ms, "
          f"search by client {_median_ms(lambda: rec.list_templates(cur, rec.TemplateQuery(search='client 4242'), BENCH)):.0f} ms")
    db.close()


def _all_due(target: str) -> None:
    db = open_database(target, create=False)
    cur = db.cursor()
    cur.execute("UPDATE recurring_orders SET next_order_on = ? WHERE recurring_order_id >= 700000", [ANCHOR])
    run_s, result = _timed(lambda: rec.generate_due(db, BENCH, ANCHOR))
    split = int((result.orders["Shipments"] > 1).sum())
    print(f"worst case, every template due on one day: {result.due:,} due -> {len(result.orders):,} orders "
          f"({split:,} of them shipments of a split month), {len(result.skipped):,} skipped, in {run_s:.2f} s")
    db.close()


@contextlib.contextmanager
def _postgres_copy(url: str) -> Iterator[str]:
    """The URL of a copy of the PostgreSQL database at ``url`` (``CREATE DATABASE ... TEMPLATE``), dropped after."""
    name = conninfo_to_dict(url)["dbname"]
    copy = f"{name}_worst"  # ours, not user text
    maintenance = make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    try:
        yield urlsplit(url)._replace(path=f"/{copy}").geturl()
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')


def main(target: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-recurring-") as tmp:
        path = Path(tmp) / "recurring.duckdb"
        started = time.perf_counter()
        _build(path)
        print(f"built the database ({DEMO_ORDERS:,} demo orders + {TEMPLATES:,} templates) in "
              f"{time.perf_counter() - started:.1f} s")
        if target is None:
            worst = Path(tmp) / "worst.duckdb"
            shutil.copy(path, worst)
            _one_day(str(path))
            _all_due(str(worst))
            return
        db = open_database(target)
        started = time.perf_counter()
        bulk_load.load(path, db, where=target)
        db.close()
        print(f"  loaded into PostgreSQL in {time.perf_counter() - started:.1f} s")
        with _postgres_copy(target) as worst:
            _one_day(target)
            _all_due(worst)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
