"""The `orders-core` command line.

Every command that writes, or shows personal information, acts as a named member of staff (``--as
EMAIL`` or ``$ORDERS_AS``, checked against the staff list and the role table: ``staff_cli``). Decisions
(issue 12): ``demo`` is the one writer without a person (it builds demo data, demo staff included, into
a new file, or into an empty PostgreSQL database: ``bulk_load``); ``init`` needs none either: it makes an
empty database, with no staff, no clients and no personal information, and there is nobody to check yet. Its first administrator is made next with
``orders-core staff add EMAIL NAME --first-admin`` (allowed only while the list has no administrator).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from orders_core.rules.dates import parse_date
from orders_core.storage.database import (
    Database,
    DatabaseError,
    default_db_path,
    explain_failure,
    open_database,
)
from orders_core.storage.dialect import driver_errors, is_postgres_url
from orders_core.cli.staff import REFUSALS


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
    import tempfile

    from orders_core.storage.bulk_load import LoadRefused, load, problem

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
    from orders_core.demo.generate import generate

    db = Database(str(path), new_only=True)
    try:
        made = generate(db.con, args.orders, seed=args.seed, anchor=args.anchor)
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


def date_arg(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates in the module's range (orders_core.rules.dates), with a one-sentence error."""
    try:
        return parse_date(text, "The date")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


MAX_ORDER_ID_DIGITS = 18  # a BIGINT holds every 18-digit number


def text_arg(text: str) -> str:
    """An argparse type for text that goes into the database (such as ``--as``): it must be UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("the text is not valid UTF-8; type it again in a UTF-8 terminal.") from None
    return text


def path_arg(text: str) -> str:
    """An argparse type for a file path the module opens or writes and names in its messages."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            "the path is not valid UTF-8; rename the file or folder, or choose another."
        ) from None
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty.")
    return text


def order_id_arg(text: str) -> int:
    """An argparse type for one Order ID: ASCII digits, at most 18 of them."""
    raw = text.strip().lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_ORDER_ID_DIGITS:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an Order ID; give a number such as 100123.")
    return int(raw)


def bounded_int(low: int, high: int):
    """An argparse type for a whole number from ``low`` to ``high`` (ASCII digits; ``_`` or ``,`` allowed)."""

    def parse(text: str) -> int:
        raw = text.strip().replace("_", "").replace(",", "")
        digits = raw.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= len(str(max(abs(low), high))):
            number = int(raw)
            if low <= number <= high:
                return number
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number from {low:,} to {high:,}.")

    return parse


count_arg = bounded_int(1, 10_000_000)


class _Parser(argparse.ArgumentParser):
    """argparse, whose messages quote what was typed: text that is not UTF-8 is shown escaped, not a crash."""

    def _print_message(self, message: str, file=None) -> None:
        super()._print_message(message.encode("utf-8", "backslashreplace").decode("utf-8"), file)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="orders-core", description="The Orders module's command line.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="create a demo database")
    demo.add_argument("--orders", type=count_arg, default=20_000, help="how many orders (default 20,000)")
    demo.add_argument("--db", type=path_arg, default=default_db_path(),
                      help="database file or postgresql:// URL (default $ORDERS_DB or data/orders.duckdb)")
    demo.add_argument("--force", action="store_true", help="replace an existing orders database with the demo")
    demo.add_argument("--seed", type=bounded_int(0, 2**31 - 1), default=42)
    demo.add_argument("--anchor", type=date_arg, default=None, help="the demo's 'today' (default: today)")
    demo.set_defaults(func=_demo)

    init = sub.add_parser("init", help="create an empty orders database (only in a new or empty file)")
    init.add_argument("--db", type=path_arg, default=default_db_path(),
                      help="database file or postgresql:// URL (default $ORDERS_DB or data/orders.duckdb)")
    init.set_defaults(func=_init)

    # Other commands register themselves here (picking-list, recurring).
    for register in _registrars():
        register(sub)
    return parser


COMMAND_MODULES = ("picking", "recurring", "integrity", "importing", "staff_cli", "backup")


def _registrars():
    """Each module in COMMAND_MODULES exposes ``register_cli(subparsers)``. They are imported only when the
    parser is built; a module that fails to import, or lacks ``register_cli``, fails here, loudly:
    a command must never silently go missing."""
    import importlib

    return [importlib.import_module(f"orders_core.{name}").register_cli for name in COMMAND_MODULES]


def main(argv: list[str] | None = None) -> int:
    """Run one command; a database that cannot be used (refused on opening, or found damaged, read-only or
    full while working) is one sentence on stderr and exit status 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DatabaseError, *REFUSALS) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except driver_errors() as exc:
        sentence = explain_failure(exc, getattr(args, "db", None))
        if sentence is None:
            raise
        print(sentence, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
