"""`orders-core audit [--client ID] [--person EMAIL] [--since DATE] [--until DATE] [--kind KIND] --as EMAIL`:
the access log (``staff.access_log``), for an Administrator (the role table's ``read_access_log``).

One line per row, newest first, tab-separated: when, who ("Name (email)"), their role then, and what they
opened in words ("client 1001's profile", "order 100123 (client 1001)", "the Metrics report:
...", "export Orders CSV, 4,529 rows: view All; status Shipped").

Decisions the requirements left open:
- The filters combine (all must hold); with none, the whole log is printed. ``--client`` finds the
  client's profile and order openings (an export is not one client's: see ``staff.access_log``).
- The rows are read from the database a page at a time, up to the last row recorded when the command
  started, so rows recorded meanwhile neither repeat nor shift a page; the last line says how many rows
  were printed.
"""

from __future__ import annotations

import argparse

from orders_core.cli.options import acting_person, add_as_option, add_db_option, date_arg, text_arg
from orders_core.rules.parsing import MAX_CLIENT_ID_DIGITS, id_in
from orders_core.staff.access_log import KINDS, LogQuery, last_id, read_log, sentence
from orders_core.storage.database import open_database

PAGE = 1000


def _client_arg(text: str) -> int:
    """An argparse type for one client id (``rules.parsing.id_in``), with a one-sentence error."""
    found = id_in(text, MAX_CLIENT_ID_DIGITS)
    if found is None:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a client id; give a number such as 1001.")
    return found


def _audit(args: argparse.Namespace) -> int:
    db = open_database(args.db, create=False)
    try:
        cur = db.cursor()
        who = acting_person(cur, args, "read_access_log")
        q = LogQuery(client_id=args.client, email=args.person, kinds=tuple(args.kind or ()), since=args.since,
                     until=args.until, up_to_id=last_id(cur), page_size=PAGE)
        page = read_log(cur, q, who)
        printed = 0
        while True:
            for r in page.rows.to_dict("records"):
                print(_line(r))
            printed += len(page.rows)
            if page.query.page >= page.pages:
                break
            page = read_log(cur, page.query.at_page(page.query.page + 1), who)
    finally:
        db.close()
    print(f"{printed:,} row{'' if printed == 1 else 's'} of the access log." if printed
          else "No row of the access log matches.")
    return 0


def _line(r: dict) -> str:
    """One row: when, who ("Name (email)"), their role then, what they opened (tab-separated)."""
    what = sentence(r["Opened"], r["Client ID"], r["Order ID"], r["Report or export"], r["Filter"], r["Rows"])
    return f"{r['When']:%Y-%m-%d %H:%M:%S}\t{r['Who']}\t{r['Role']}\t{what}"


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("audit", help="who opened which client's profile, order or report, and every export")
    p.add_argument("--client", type=_client_arg, help="only the openings of this client's profile and orders")
    p.add_argument("--person", type=text_arg, metavar="EMAIL", help="only what this person opened or exported")
    p.add_argument("--since", type=date_arg, help="from this day on (YYYY-MM-DD)")
    p.add_argument("--until", type=date_arg, help="up to and including this day (YYYY-MM-DD)")
    p.add_argument("--kind", action="append", choices=KINDS, help="only this kind of row (repeatable)")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_audit)
