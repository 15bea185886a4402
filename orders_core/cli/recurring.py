"""`orders-core recurring run --as EMAIL`: generate due orders from the command line.

The command acts as the staff member ``--as`` names (``cli.options.acting_person``): generating needs the
role table's ``generate_due``; ``--dry-run`` shows clients' names, grams and skip reasons (their
prescriptions), so it needs ``view_client_records``. A bad ``--as`` is one sentence and changes nothing.

``--db`` (or ``ORDERS_DB``) is a DuckDB file or a ``postgresql://`` URL. A DuckDB file the running app holds
is refused in one sentence (the app generates by itself); a PostgreSQL database may be shared with running
app servers and their daily jobs: a run overlapping theirs generates nothing twice (``recurring.generation``).
"""

from __future__ import annotations

import argparse
import sys

from orders_core.cli.options import acting_person, add_as_option, add_db_option, date_arg
from orders_core.recurring.generation import generate_due, preview_due
from orders_core.storage.database import open_database
from orders_core.storage.errors import DatabaseError


def _run_cli(args: argparse.Namespace) -> int:
    try:
        db = open_database(args.db, create=False)
    except DatabaseError as exc:
        if "already open" in str(exc):
            print(
                f"The database {args.db} is held by the running app, which generates due orders by itself "
                "once a day, so nothing was changed; use \"Generate due orders\" on its Recurring Orders "
                "page, or stop the app and run this again.",
                file=sys.stderr,
            )
        else:
            print(str(exc), file=sys.stderr)
        return 2
    try:
        actor = acting_person(db.cursor(), args, "view_client_records" if args.dry_run else "generate_due")
        if args.dry_run:
            plan = preview_due(db.cursor(), actor, args.as_of)
            print(plan.to_string(index=False) if len(plan) else "Nothing is due.")
            return 0
        result = generate_due(db, actor, args.as_of, progress=_tell_progress)
    finally:
        db.close()
    print(result.summary())
    for row in result.skipped.itertuples():
        print(f"  skipped {row.Client} (client {row[2]}): {row.Reason}")
    return 0


def _tell_progress(part, done: int) -> None:
    """A catch-up in several batches says how far it has got after each one that leaves some still due."""
    if part.remaining:
        print(f"{done:,} due recurring orders handled so far ({len(part.orders):,} orders in the last batch, "
              f"committed); {part.remaining:,} still due.", flush=True)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add ``orders-core recurring run --as EMAIL [--as-of DATE] [--db PATH] [--dry-run]``."""
    recurring = subparsers.add_parser("recurring", help="recurring monthly orders")
    sub = recurring.add_subparsers(dest="recurring_command", required=True)
    run = sub.add_parser("run", help="generate the orders that are due (idempotent)")
    run.add_argument("--as-of", type=date_arg, default=None, help="the run's date (default: today)")
    add_db_option(run)
    run.add_argument("--dry-run", action="store_true", help="show what would be generated and change nothing")
    add_as_option(run)
    run.set_defaults(func=_run_cli)
