"""`orders-core check [--recount] [--as EMAIL]`: verify the whole database (``reports.check``)."""

from __future__ import annotations

import argparse
import sys

from orders_core.cli.options import acting_person, add_as_option, add_db_option
from orders_core.reports.check import check, recount_summaries
from orders_core.storage.database import open_database
from orders_core.storage.errors import DatabaseError


def _run_cli(args: argparse.Namespace) -> int:
    try:
        db = open_database(args.db, create=False)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2

    where = db.path  # a PostgreSQL URL is named without its password
    try:
        sentences = bool(args.as_email)  # with --as: the sentences, for someone who may read them
        if args.recount:
            print(recount_summaries(db.cursor(), acting_person(db.cursor(), args, "recount")))
        if sentences:
            acting_person(db.cursor(), args, "view_client_records")
        breaches = check(db.cursor())
    finally:
        db.close()
    if not breaches:
        print(f"{where}: no breach found.")
        return 0
    for b in breaches:
        print(b.sentence if sentences else f"{b.check}: {b.subject}")
    print(f"{where}: {len(breaches):,} breach{'es' if len(breaches) != 1 else ''} found."
          + ("" if sentences else " Run it --as a staff member who may see client records for the details."))
    return 1


def register_cli(subparsers: argparse._SubParsersAction) -> None:

    p = subparsers.add_parser("check", help="verify the whole database and list every breach")
    add_db_option(p)
    p.add_argument("--recount", action="store_true",
                   help="first count the summaries of the orders afresh (PostgreSQL's index counts after a restore "
                        "that bypassed its triggers, the Metrics page's daily rows; an Administrator, --as)")
    add_as_option(p)
    p.set_defaults(func=_run_cli)
