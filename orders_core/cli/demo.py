"""`orders-core demo` and `orders-core init`: a database made from nothing.

``demo`` is the one writer without a person: it builds demo data, demo staff included, into a new file, or
into an empty PostgreSQL database (``storage.bulk_load``), and marks the database as demo data
(``storage.demo_mark``), the only kind the demo sign-in serves. ``init`` needs none either: it makes an empty
database, with no staff, no clients and no personal information, and there is nobody to check yet. Its
first administrator is made next with ``orders-core staff add EMAIL NAME --first-admin``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from orders_core.cli.options import add_db_option, bounded_int, count_arg, date_arg
from orders_core.demo.generate import generate
from orders_core.storage.bulk_load import LoadRefused, load, problem
from orders_core.storage.database import Database, open_database
from orders_core.storage.demo_mark import mark_demo
from orders_core.storage.dialect import is_postgres_url


def _demo(args: argparse.Namespace) -> int:
    """Build the demo into a temporary file next to ``--db`` and move it into place only when complete,
    so a failed or killed run leaves no database behind (``make run`` then builds it again)."""
    if is_postgres_url(args.db):
        return _demo_postgres(args)
    target = Path(args.db)
    refused = _demo_target_problem(target, args.force)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(target)
    building = target.with_name(f".{target.name}.demo-{os.getpid()}.tmp")
    started = time.perf_counter()
    try:
        made = _build_demo(building, args)
        Path(f"{target}.wal").unlink(missing_ok=True)  # a replaced database's log must not replay onto this one
        os.replace(building, target)
    finally:
        for leftover in (building, Path(f"{building}.wal")):
            leftover.unlink(missing_ok=True)
    print(f"Made {made['orders']:,} orders for {made['clients']:,} clients in {args.db} "
          f"in {time.perf_counter() - started:.1f} s.")
    return 0


def _demo_postgres(args: argparse.Namespace) -> int:
    """Build the demo into a DuckDB file in a temporary folder, as for a file, then load it into the PostgreSQL
    database in bulk, in one transaction (``bulk_load``). Only an empty database receives it, ``--force`` or not
    (``bulk_load``'s decision); the check is made before building and again in the load's transaction."""
    started = time.perf_counter()
    target = open_database(args.db, read_only=True)  # refuses a database that is not ours; writes nothing
    try:
        cur = target.cursor()
        refused = problem(cur, target.path, args.force)
        cur.close()
    finally:
        target.close()
    if refused:
        print(refused, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="orders-demo-") as folder:
        building = Path(folder) / "demo.duckdb"
        made = _build_demo(building, args)
        built = time.perf_counter() - started
        database = open_database(args.db)  # an empty database gets the schema here
        try:
            load(building, database)
            database.write(mark_demo)  # the target keeps its own app_meta (bulk_load): marked here
        except LoadRefused as exc:
            print(str(exc), file=sys.stderr)
            return 2
        finally:
            database.close()
    print(f"Made {made['orders']:,} orders for {made['clients']:,} clients in {database.path} "
          f"in {time.perf_counter() - started:.1f} s ({built:.1f} s building, the rest loading).")
    return 0


def _build_demo(path: Path, args: argparse.Namespace):
    """The demo generated into the new DuckDB file ``path``, complete on disk; returns what was made."""
    db = Database(str(path), new_only=True)
    try:
        made = generate(db.con, args.orders, seed=args.seed, anchor=args.anchor)
        mark_demo(db.con)  # what lets `python -m orders_core.serve` offer the demo sign-in
        db.con.execute("CHECKPOINT")
    finally:
        db.close()
    return made


def _demo_target_problem(target: Path, force: bool) -> str | None:
    """Why the demo may not be written to ``target`` (None: it may)."""
    if target.is_dir():
        return f"{target} is a folder, not a database file; give the database file's path."
    if not target.exists() or target.stat().st_size == 0:
        return None
    if not force:
        return (f"{target} already exists, so the demo was not made; add --force to replace it "
                "with demo data, or give another --db.")
    Database(str(target), create=False, read_only=True).close()  # refuses another program's file, or one in use
    return None


def _remove_stale_builds(target: Path) -> None:
    """Temporary files of demo runs that were killed (their process is gone)."""
    for stale in target.parent.glob(f".{target.name}.demo-*.tmp*"):
        pid = stale.name.removeprefix(f".{target.name}.demo-").split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _init(args: argparse.Namespace) -> int:
    db = open_database(args.db, new_only=True)
    db.checkpoint()
    db.close()
    print(f"Made an empty orders database in {args.db} (the schema and the carriers list, no orders).")
    return 0


def register_cli(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="create a demo database")
    demo.add_argument("--orders", type=count_arg, default=20_000, help="how many orders (default 20,000)")
    add_db_option(demo)
    demo.add_argument("--force", action="store_true", help="replace an existing orders database with the demo")
    demo.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=42)
    demo.add_argument("--anchor", type=date_arg, default=None, help="the demo's 'today' (default: today)")
    demo.set_defaults(func=_demo)

    init = subparsers.add_parser("init", help="create an empty orders database (only in a new or empty file)")
    add_db_option(init)
    init.set_defaults(func=_init)
