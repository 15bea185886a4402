"""`orders-core labels --orders 1,2,3 -o labels.pdf [--stock 4x6|letter-2x4] --as EMAIL`: client labels as a PDF.

The PDF goes to a temporary file beside ``-o`` inside the print's transaction and is renamed into place once
the print is recorded on the orders, so nothing is recorded unless the file is written (as ``picking-list``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orders_core.cli.options import (
    acting_person,
    add_as_option,
    add_db_option,
    order_ids_arg,
    output_problem,
    path_arg,
    written_in_place,
)
from orders_core.fulfillment.label_pdf import STOCKS
from orders_core.fulfillment.labels import print_labels
from orders_core.storage.database import open_database


def _cli(args: argparse.Namespace) -> int:
    out = Path(args.output)
    problem = output_problem(out, "labels.pdf")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    db = open_database(args.db, create=False)  # one that cannot be used: one sentence (cli.main)
    try:
        actor = acting_person(db.cursor(), args, "print_labels")
        with written_in_place(out) as partial:
            made = print_labels(db, args.orders, actor, stock=args.stock, before_commit=partial.write_bytes)
    except OSError as exc:
        print(f"The labels could not be written to {out} ({exc.strerror or exc}); nothing was recorded.",
              file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"Label print {made.number}: {made.labels:,} labels for {len(made.order_ids):,} orders ({made.stock}) "
          f"written to {args.output}.")
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("labels", help="print client labels (one per cannabis unit) as a PDF")
    p.add_argument("--orders", type=order_ids_arg, required=True, help="comma-separated Order IDs")
    p.add_argument("-o", "--output", type=path_arg, required=True, help="the PDF file to write")
    p.add_argument("--stock", choices=STOCKS, default="4x6",
                   help="4x6: one 4 × 6 in thermal label per page; letter-2x4: US Letter sheets of ten 2 × 4 in labels")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_cli)
