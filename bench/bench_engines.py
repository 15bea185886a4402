"""DuckDB and PostgreSQL side by side on the same demo data, 1,000,000 orders (``--orders``):

1. the Orders index interactions of ``bench_index`` (``orders_core.orders.access.list_orders_for``), median ms
   (goal on PostgreSQL: each under 50 ms);
2. the Metrics page's queries for the last year (``orders_core.reports.metrics.page_metrics``, timed as
   ``bench_metrics`` does), median (goal on PostgreSQL: under 2 s);
3. creating an order (``orders_core.orders.ordering.create_order``, as ``bench_ordering`` does), median ms;
4. the throughput of order creation with 2, 4 and 8 concurrent writers: real threads, each creating orders
   for a client of its own (so no writer meets another's allowance) through ``Database.write`` for a fixed
   time; orders committed per second, and the transaction conflicts ``db.run_write`` saw (and retried).

DuckDB: a private copy of ``bench.common.demo_database`` (the benchmark writes orders). PostgreSQL: a
throwaway server (``tests.postgres_server``) loaded by ``orders-core demo --db postgresql://...`` (the same
generator, seed and anchor, so the same rows), then restarted durable (fsync and synchronous_commit on, as
a production server runs; the test server runs without them) so that commits cost what they would.
``--quick``: 100,000 orders and shorter throughput runs, for trying it. The server is stopped and every
file made here deleted at the end; the DuckDB demo in ORDERS_BENCH_DIR is kept for the other benches.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_index import INTERACTIONS
from bench.bench_load import postgres_demo
from bench.bench_metrics import _time as time_metrics
from bench.bench_ordering import _draft
from bench.common import ANCHOR, BENCH, clients_who_can_order, demo_database, median_ms, table
from orders_core.orders.access import list_orders_for
from orders_core.orders.ordering import create_order
from orders_core.reports.metrics import MetricsFilter, preset_range
from orders_core.storage import database as db_module
from orders_core.storage.database import open_database

WRITERS = (2, 4, 8)
INDEX_GOAL_MS = 50
METRICS_GOAL_S = 2.0
ENGINES = ("DuckDB", "PostgreSQL")


class ConflictCounter:
    """Counts the transaction conflicts ``db.run_write`` meets (each one is rolled back and retried), by
    wrapping the ``is_conflict`` it asks; only this process's bench, nothing in orders_core changes."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()
        self._original = db_module.is_conflict

    def __enter__(self) -> ConflictCounter:
        def counting(exc: BaseException) -> bool:
            conflict = self._original(exc)
            if conflict:
                with self._lock:
                    self.count += 1
            return conflict

        db_module.is_conflict = counting
        return self

    def __exit__(self, *exc) -> None:
        db_module.is_conflict = self._original


def index_and_metrics(db) -> tuple[dict[str, float], dict[str, list[int]], float]:
    """Each index interaction's median ms and its page's order ids; the last year's Metrics queries, median s."""
    cur = db.cursor()
    times, pages = {}, {}
    for label, q in INTERACTIONS:
        times[label] = median_ms(lambda q=q: list_orders_for(cur, q, BENCH))
        pages[label] = list(list_orders_for(cur, q, BENCH).rows["Order ID"])
    median, _worst, _result = time_metrics(cur, MetricsFilter(*preset_range("Last year", ANCHOR)))
    return times, pages, median


def prepare_writers(db, count: int) -> list[int]:
    """``count`` clients for the writers, with room in their allowance for every order the run creates."""
    clients = clients_who_can_order(db.cursor(), count)
    db.write(lambda cur: cur.execute(f"UPDATE prescriptions SET grams_per_day = 9999 WHERE client_id IN "
                                     f"({', '.join('?' * len(clients))})", clients))
    return clients


def create_ms(db, client_id: int) -> float:
    return median_ms(lambda: create_order(db, _draft(client_id), BENCH), runs=15, warmup=1)


def throughput(db, clients: list[int], seconds: float) -> tuple[float, int, int]:
    """Orders committed per second by ``len(clients)`` threads creating orders for ``seconds``; the conflicts
    retried on the way, and the creations that failed (none expected)."""
    done = [0] * len(clients)
    failed: list[BaseException] = []
    start = threading.Barrier(len(clients) + 1)
    stop = threading.Event()

    def writer(i: int) -> None:
        draft = _draft(clients[i])
        start.wait()
        while not stop.is_set():
            try:
                create_order(db, draft, BENCH)
            except Exception as exc:  # counted and shown; the run goes on
                failed.append(exc)
                continue
            done[i] += 1

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(len(clients))]
    for t in threads:
        t.start()
    with ConflictCounter() as conflicts:
        start.wait()
        began = time.perf_counter()
        time.sleep(seconds)
        committed = sum(done)  # the orders committed within the time (a creation under way finishes after)
        elapsed = time.perf_counter() - began
        stop.set()
        for t in threads:
            t.join()
    if failed:
        print(f"  {len(failed)} creations failed with {len(clients)} writers, for example: {failed[0]!r}")
    return committed / elapsed, conflicts.count, len(failed)


def measure(db, seconds: float) -> dict:
    """Every figure of one engine, reads first (the writes then add orders)."""
    times, pages, metrics_s = index_and_metrics(db)
    clients = prepare_writers(db, max(WRITERS))
    created = create_ms(db, clients[0])
    rates = {n: throughput(db, clients[:n], seconds) for n in WRITERS}
    return {"index": times, "pages": pages, "metrics": metrics_s, "create": created, "rates": rates}


def make_durable(server) -> None:
    """Restart the throwaway server (``tests.postgres_server.TempPostgres``) with fsync and synchronous commit
    on, its other options as they were: the demo loads fast without them, the commits are then timed as a
    production server makes them."""
    options = (f"-p {server.port} -k {server.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
               "-c fsync=on -c synchronous_commit=on -c full_page_writes=on")
    server._cmd(str(server.bin / "pg_ctl"), "-D", str(server.dir / "data"), "-l", str(server.dir / "log"),
                "-w", "-t", "120", "-m", "fast", "-o", options, "restart")


def run_duckdb(orders: int, seconds: float) -> dict:
    source = demo_database(orders)
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        path = Path(tmp) / "engines.duckdb"
        shutil.copy(source, path)
        db = open_database(str(path), create=False)
        try:
            return measure(db, seconds)
        finally:
            db.close()


def run_postgres(orders: int, seconds: float) -> dict | None:
    from tests.postgres_server import find_bin_dir

    if find_bin_dir() is None:
        print("PostgreSQL is not installed (no initdb/pg_ctl): only DuckDB is measured; install Debian's "
              "postgresql package for the PostgreSQL column")
        return None
    server = postgres_demo(orders)
    try:
        make_durable(server)
        db = open_database(server.url("orders_load"), create=False)
        try:
            with db.pool.connection() as conn:
                settings = [conn.execute(f"SHOW {s}").fetchone()[0] for s in ("fsync", "synchronous_commit")]
                print(f"(PostgreSQL {conn.info.server_version // 10000}: fsync {settings[0]}, "
                      f"synchronous_commit {settings[1]})", flush=True)
            return measure(db, seconds)
        finally:
            db.close()
    finally:
        server.stop()


def report(results: dict[str, dict | None], orders: int, seconds: float) -> None:
    present = {name: r for name, r in results.items() if r}

    def cells(fn) -> list[str]:
        return [fn(present[name]) if name in present else "-" for name in ENGINES]

    rows = [(f"Index: {label}", *cells(lambda r, label=label: f"{r['index'][label]:.1f} ms"))
            for label, _q in INTERACTIONS]
    rows.append(("Metrics page queries, last year", *cells(lambda r: f"{r['metrics'] * 1000:.0f} ms")))
    rows.append(("Create an order", *cells(lambda r: f"{r['create']:.1f} ms")))
    print(f"\nDuckDB and PostgreSQL on the same {orders:,} demo orders (medians)")
    print(table(rows, ("interaction", *ENGINES)))
    def rate(r: dict, n: int) -> str:
        per_s, conflicts, failed = r["rates"][n]
        return f"{per_s:.0f} orders/s ({conflicts} conflicts{f', {failed} failed' if failed else ''})"

    rate_rows = [(n, *cells(lambda r, n=n: rate(r, n))) for n in WRITERS]
    print(f"\nOrder creation with concurrent writers (threads, a client each, {seconds:.0f} s each; conflicts: "
          "transactions rolled back and retried)")
    print(table(rate_rows, ("writers", *ENGINES)))
    pg = present.get("PostgreSQL")
    if pg:
        over = [label for label, ms in pg["index"].items() if ms >= INDEX_GOAL_MS]
        print(f"Goals on PostgreSQL: each index interaction under {INDEX_GOAL_MS} ms: "
              f"{'met' if not over else 'missed by ' + ', '.join(over)}; Metrics last year under "
              f"{METRICS_GOAL_S:.0f} s: {'met' if pg['metrics'] < METRICS_GOAL_S else 'missed'}")
    if len(present) == 2:
        differ = [label for label, _q in INTERACTIONS
                  if present["DuckDB"]["pages"][label] != present["PostgreSQL"]["pages"][label]]
        print("The two engines showed the same page of orders for every interaction" if not differ else
              f"The engines showed different pages for: {', '.join(differ)}")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_engines", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 orders, 4 s per throughput run")
    parser.add_argument("--orders", type=int, help="demo orders (default 1,000,000; quick 100,000)")
    parser.add_argument("--seconds", type=float, help="seconds per throughput run (default 10; quick 4)")
    parser.add_argument("--engines", nargs="+", choices=("duckdb", "postgresql"), default=["duckdb", "postgresql"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv or [])  # `make bench` (bench/run_all.py) calls main() with no arguments: the full run
    orders = args.orders or (100_000 if args.quick else 1_000_000)
    seconds = args.seconds or (4 if args.quick else 10)
    load_before = os.getloadavg()
    results: dict[str, dict | None] = {}
    if "duckdb" in args.engines:
        results["DuckDB"] = run_duckdb(orders, seconds)
    if "postgresql" in args.engines:
        results["PostgreSQL"] = run_postgres(orders, seconds)
    report(results, orders, seconds)
    print(f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) "
          f"{', '.join(f'{x:.2f}' for x in load_before)} at the start, "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at the end (other processes share the cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
