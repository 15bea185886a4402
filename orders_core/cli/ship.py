"""`orders-core ship FILE.csv [--delivered] [--template NAME | --map FIELD=COLUMN ...] [--dry-run] --as EMAIL`
and `orders-core manifest --carrier NAME [--day YYYY-MM-DD] -o FILE --as EMAIL`.

``ship`` marks every order of a carrier's file Shipped (``--delivered``: a delivery file, Delivered), all or
nothing: any bad row writes nothing and every problem is printed with its row, column, value and reason
(exit status 1). ``--template`` picks a column map (``fulfillment.bulk_ship.TEMPLATES``); ``--map`` changes
one of its columns (``order_id``, ``tracking_number``, ``date``, ``carrier``) or sets ``fixed_carrier``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from orders_core.cli.options import (
    acting_person,
    add_as_option,
    add_db_option,
    date_arg,
    output_problem,
    path_arg,
)
from orders_core.fulfillment import bulk_ship
from orders_core.fulfillment.manifest import make_manifest
from orders_core.storage.database import open_database
from orders_core.storage.errors import DatabaseError

MAP_FIELDS = ("order_id", "tracking_number", "date", "carrier", "fixed_carrier")


def _map_arg(text: str) -> tuple[str, str]:
    field, sep, column = text.partition("=")
    if not sep or field.strip() not in MAP_FIELDS or not column.strip():
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not FIELD=COLUMN with FIELD one of {', '.join(MAP_FIELDS)}.")
    return field.strip(), column.strip()


def _open(args):
    try:
        return open_database(args.db, create=False)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _ship(args: argparse.Namespace) -> int:
    name = args.template or ("Standard delivery" if args.delivered else "Standard")
    mapping = bulk_ship.TEMPLATES[name]
    if args.delivered != (mapping.kind == bulk_ship.DELIVERED):
        print(f"The map {name!r} is for a {mapping.kind} file; "
              f"{'leave out' if not args.delivered else 'add'} --delivered or choose another.", file=sys.stderr)
        return 2
    if args.map:
        mapping = dataclasses.replace(mapping, **dict(args.map))
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"{args.file} cannot be read ({exc.strerror or exc}).", file=sys.stderr)
        return 2
    db = _open(args)
    if db is None:
        return 2
    try:
        actor = acting_person(db.cursor(), args, bulk_ship.ROLE_ACTIONS[mapping.kind])
        report = bulk_ship.import_file(db, data, actor, mapping, dry_run=args.dry_run)
    finally:
        db.close()
    if report.problems:
        print(report.summary(), file=sys.stderr)
        for p in report.problems:
            print(f"row {p.row}, {p.column} {p.value!r}: {p.reason}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _manifest(args: argparse.Namespace) -> int:
    out = Path(args.output)
    problem = output_problem(out, "manifest.pdf")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    db = _open(args)
    if db is None:
        return 2
    try:
        actor = acting_person(db.cursor(), args, "shipping_manifest")
        made = make_manifest(db, actor, args.carrier, args.day or dt.date.today())
    finally:
        db.close()
    out.write_bytes(made.pdf)
    print(f"Manifest {made.number}: {len(made.parcels):,} parcels, {made.units:,} units by {made.carrier} on "
          f"{made.day:%Y-%m-%d}, written to {args.output}.")
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("ship", help="mark the orders of a carrier's file Shipped (or Delivered), all or nothing")
    p.add_argument("file", type=path_arg, help="the CSV file")
    p.add_argument("--delivered", action="store_true", help="a delivery file: mark its orders Delivered")
    p.add_argument("--template", choices=list(bulk_ship.TEMPLATES), default=None, help="the file's column map")
    p.add_argument("--map", type=_map_arg, action="append", default=[], metavar="FIELD=COLUMN",
                   help=f"map one column ({', '.join(MAP_FIELDS)}); may be repeated")
    p.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_ship)
    m = subparsers.add_parser("manifest", help="the end-of-day manifest PDF of one carrier's parcels")
    m.add_argument("--carrier", required=True, help="the carrier, as on the orders (Canada Post, Purolator, ...)")
    m.add_argument("--day", type=date_arg, default=None, help="the day shipped (default today)")
    m.add_argument("-o", "--output", type=path_arg, required=True, help="the PDF file to write")
    add_db_option(m)
    add_as_option(m)
    m.set_defaults(func=_manifest)
