"""`orders-core backup -o FILE --as EMAIL`: a consistent copy of the DuckDB database (``storage.backup``).

Only an Administrator may make one (the role table's ``backup`` row), checked against the staff list by
whichever process writes the copy: this command, or the app's server when it holds the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from orders_core.cli.options import add_as_option, add_db_option, path_arg
from orders_core.staff.members import acting
from orders_core.storage.backup import BackupRefused, ask_the_app, target_problem, write_copy
from orders_core.storage.database import Database
from orders_core.storage.dialect import is_postgres_url
from orders_core.storage.errors import DatabaseInUse


def backup_as(cur, target: Path, email: str | None) -> str:
    """The copy made for the staff member ``email`` (an Administrator), as the sentence that reports it."""
    who = acting(cur, email, "backup")
    orders = write_copy(cur, target)
    return f"Backed up {orders:,} orders to {target} (for {who.name})."


def _backup(args: argparse.Namespace) -> int:
    if is_postgres_url(args.db):
        raise BackupRefused("A PostgreSQL database is backed up with its own tools (pg_dump, or the server's "
                            "point-in-time recovery); see the README's Deploying section.")
    target = Path(args.output)
    problem = target_problem(target)
    if problem:
        raise BackupRefused(problem)
    try:
        db = Database(args.db, create=False, read_only=True)
    except DatabaseInUse:
        print(ask_the_app(args.db, target, args.as_email))
        return 0
    try:
        print(backup_as(db.cursor(), target, args.as_email))
    finally:
        db.close()
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("backup", help="copy the DuckDB database into a new file, also while the app runs")
    p.add_argument("-o", "--output", type=path_arg, required=True, help="the new backup file")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_backup)
