"""The `orders-core` command line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from .db import Database, DatabaseError, default_db_path


def _demo(args: argparse.Namespace) -> int:
    from .demo import generate

    db = Database(args.db)
    started = time.perf_counter()
    try:
        made = generate(db.con, args.orders, seed=args.seed, anchor=args.anchor)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    db.con.execute("CHECKPOINT")
    db.close()
    print(f"Made {made['orders']:,} orders for {made['clients']:,} clients in {args.db} "
          f"in {time.perf_counter() - started:.1f} s.")
    return 0


def date_arg(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates, with a one-sentence error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD).") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orders-core", description="The Orders module's command line.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="create a demo database")
    demo.add_argument("--orders", type=int, default=20_000, help="how many orders (default 20,000)")
    demo.add_argument("--db", default=default_db_path(), help="database file (default $ORDERS_DB or data/orders.duckdb)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--anchor", type=date_arg, default=None, help="the demo's 'today' (default: today)")
    demo.set_defaults(func=_demo)

    # Other commands register themselves here (picking-list, recurring).
    for register in _registrars():
        register(sub)
    return parser


def _registrars():
    """Each feature module that has commands exposes ``register_cli(subparsers)``."""
    import importlib

    found = []
    for name in ("picking", "recurring"):
        try:
            module = importlib.import_module(f"orders_core.{name}")
        except ImportError:
            continue
        if hasattr(module, "register_cli"):
            found.append(module.register_cli)
    return found


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
