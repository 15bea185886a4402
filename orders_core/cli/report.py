"""`orders-core report s297|ctls-sales|practitioners --month YYYY-MM [-o FILE] [--json] --as EMAIL`: the
monthly regulator reports without the browser (``reports.monthly``).

The figures are the Reports page's, made by the same functions, which check the person (``view_monthly_reports``:
Operations Manager and Administrator) and record the reading in the access log. Without ``-o`` the figures
are printed (a table, or JSON with ``--json``: for ctls-sales and practitioners a list of rows, for s297 an
object with ``valid_registrations``); with ``-o`` the file is written: the CSV, the JSON with ``--json``, or
the month's one-page PDF summary when FILE ends in ``.pdf``. A malformed month, a month not over yet or one
before the first order is one sentence and exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from orders_core.cli.options import acting_person, add_as_option, add_db_option, path_arg, written_in_place
from orders_core.reports.monthly import REPORTS, export_for, parse_month, reports_for
from orders_core.reports.monthly.access import VIEW
from orders_core.reports.monthly.files import csv_file, json_output
from orders_core.storage.database import open_database


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("report", help="the monthly reports to Health Canada (s. 297, CTLS sales, practitioners)")
    p.add_argument("report", choices=REPORTS)
    p.add_argument("--month", required=True, help="the month, YYYY-MM (a month that is over)")
    p.add_argument("-o", "--output", type=path_arg, help="write the file here (.csv, .json with --json, or .pdf)")
    p.add_argument("--json", action="store_true", help="the figures as JSON")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    month = parse_month(args.month)
    today = dt.date.today()
    db = open_database(args.db, create=False)
    try:
        return _write_report(args, db.cursor(), month, today)
    finally:
        db.close()


def _write_report(args: argparse.Namespace, cur, month, today: dt.date) -> int:
    who = acting_person(cur, args, VIEW)
    if args.output:
        out = Path(args.output)
        fmt = "pdf" if out.suffix.lower() == ".pdf" else "json" if args.json else "csv"
        data = export_for(cur, args.report, month, fmt, today, who)
        try:
            with written_in_place(out) as partial:
                partial.write_bytes(data)
        except OSError as exc:
            print(f"The report could not be written to {out} ({exc.strerror or exc}).", file=sys.stderr)
            return 2
        print(f"Wrote {out}.", file=sys.stderr)
        return 0
    figures = reports_for(cur, month, today, who, only=(args.report,)).figures[args.report]
    if args.json:
        sys.stdout.write(json_output(figures))
    else:
        sys.stdout.write(csv_file(figures).decode("utf-8").lstrip("\ufeff"))
    return 0
