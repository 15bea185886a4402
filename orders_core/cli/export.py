"""`orders-core export orders [--status S ...] [--from DATE] [--to DATE] [--search TEXT] -o FILE.csv --as EMAIL`:
the Orders index's CSV export without the browser.

The file is the page's Export CSV to the byte, made by the same function (``orders.access.export_csv_for``, here with its row count),
which checks the person against the staff list and the role table (``export_csv``: Operations Manager and
Administrator) and records the export in the access log (who, when, the filter in words, how many rows),
exactly as the page's download does.

Decisions the requirements left open:
- The filters are the index's: ``--view`` (All, Unverified, Archived; default All), ``--status``,
  ``--carrier`` and ``--source`` (each repeatable), ``--from`` / ``--to`` (the created dates, both
  included) and ``--search`` (the index's search box). Rows come in the index's default order, newest
  first.
- The file goes to a temporary name beside ``-o`` and is renamed into place once written; an existing
  file is replaced, as ``picking-list`` does. Where it cannot be written is said before anything is read
  or recorded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orders_core.cli.options import (
    acting_person,
    add_as_option,
    add_db_option,
    date_arg,
    output_problem,
    path_arg,
    text_arg,
    written_in_place,
)
from orders_core.orders.access import export_csv_counted_for
from orders_core.orders.index import VIEWS, InvalidQuery, OrderQuery
from orders_core.rules.refusals import Refused
from orders_core.storage.database import open_database
from orders_core.storage.schema import SOURCES, STATUSES


class ExportRefused(Refused):
    """An export that cannot be made as asked, in one sentence."""



def query_from_args(args: argparse.Namespace) -> OrderQuery:
    """The index query the flags describe (``ExportRefused`` when it cannot be applied)."""
    q = OrderQuery(view=args.view, search=args.search or "", statuses=tuple(args.status or ()),
                   carriers=tuple(args.carrier or ()), sources=tuple(args.source or ()),
                   created_from=args.date_from, created_to=args.date_to)
    try:
        return q.validated()
    except InvalidQuery as exc:
        raise ExportRefused(str(exc)) from None


def _export_orders(args: argparse.Namespace) -> int:
    out = Path(args.output)
    problem = output_problem(out, "orders.csv")
    if problem:
        raise ExportRefused(problem)
    q = query_from_args(args)
    db = open_database(args.db, create=False)
    try:
        cur = db.cursor()
        who = acting_person(cur, args, "export_csv")
        data, rows = export_csv_counted_for(cur, q, who)
        with written_in_place(out) as partial:
            partial.write_bytes(data)
    except OSError as exc:
        print(f"The export could not be written to {out} ({exc.strerror or exc}).", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"Exported {rows:,} orders to {out} (for {who.name}; recorded in the access log).")
    return 0


def register_cli(subparsers) -> None:
    top = subparsers.add_parser("export", help="export orders as CSV, as the Orders page does (audited)")
    sub = top.add_subparsers(dest="export_command", required=True)
    p = sub.add_parser("orders", help="the Orders index's CSV export, filtered as on the page")
    p.add_argument("-o", "--output", type=path_arg, required=True, help="the CSV file to write")
    p.add_argument("--view", choices=VIEWS, default="All", help="which orders (default All: not archived)")
    p.add_argument("--status", action="append", choices=STATUSES, help="only this status (repeatable)")
    p.add_argument("--carrier", action="append", type=text_arg, help="only this carrier (repeatable)")
    p.add_argument("--source", action="append", choices=SOURCES, help="only this source (repeatable)")
    p.add_argument("--from", dest="date_from", type=date_arg, help="created on or after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=date_arg, help="created on or before YYYY-MM-DD")
    p.add_argument("--search", type=text_arg, help="the index's search: Order ID, client name, carrier or tracking")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_export_orders)
