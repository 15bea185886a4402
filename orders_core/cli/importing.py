"""`orders-core import clients|prescriptions|policies|products FILE.csv` and `import orders FILE.json`."""

from __future__ import annotations

import sys
from pathlib import Path

from orders_core.cli.options import acting_person, add_as_option, add_db_option
from orders_core.intake.importing import KINDS, ImportRefused, import_action, import_file
from orders_core.intake.portal import import_orders
from orders_core.storage.database import open_database


def register_cli(subparsers) -> None:
    """``orders-core import clients|prescriptions|policies|products FILE.csv`` and ``import orders FILE.json``,
    ``--as EMAIL`` (the staff member importing; their role must allow the kind, see ``IMPORT_ACTIONS``)."""
    cmd = subparsers.add_parser("import", help="import clients, medical documents, policies, products (CSV) "
                                               "or Client Portal orders (JSON)")
    cmd.add_argument("kind", choices=[*KINDS, "orders"], help="what the file holds")
    cmd.add_argument("file", help="the CSV file (JSON for orders)")
    cmd.add_argument("--dry-run", action="store_true", help="check the file and say what would change; write nothing")
    add_db_option(cmd)
    add_as_option(cmd)
    cmd.add_argument("--report", default=None, help="write the problems, if any, to this CSV file")
    cmd.set_defaults(func=_run_cli)


def _run_cli(args) -> int:


    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror}.", file=sys.stderr)
        return 2

    db = open_database(args.db, create=False)
    try:
        actor = acting_person(db.cursor(), args, import_action(args.kind))
        if args.kind == "orders":
            report = import_orders(db, data, actor, dry_run=args.dry_run)
        else:
            report = import_file(db, args.kind, data, actor, dry_run=args.dry_run, source=Path(args.file).name)
    except ImportRefused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        db.close()
    print(report.summary())
    if report.problems:
        for p in report.problems[:50]:
            print(f"  row {p.row}, {p.column} {p.value!r}: {p.reason}", file=sys.stderr)
        if len(report.problems) > 50:
            print(f"  ... and {len(report.problems) - 50:,} more (--report FILE writes them all).", file=sys.stderr)
        if args.report:
            Path(args.report).write_text(report.problems_csv(), encoding="utf-8")
        return 1
    return 0
