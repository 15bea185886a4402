"""`orders-core picking-list [--orders 1,2,3 | --number N] -o FILE --as EMAIL`: a picking list's PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orders_core.cli.options import (
    acting_person,
    add_as_option,
    add_db_option,
    count_arg,
    order_ids_arg,
    output_problem,
    path_arg,
    written_in_place,
)
from orders_core.fulfillment.picking import PickingListError, generate_picking_list, picking_list_pdf
from orders_core.storage.database import open_database


def _cli(args: argparse.Namespace) -> int:
    """The PDF goes to a temporary file next to ``-o`` inside the list's transaction and is renamed into
    place once the list is kept, so nothing is recorded unless the PDF is written."""
    out = Path(args.output)
    problem = output_problem(out, "picking-list.pdf")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    db = open_database(args.db, create=False)  # one that cannot be used: one sentence (cli.main)
    try:
        actor = acting_person(db.cursor(), args, "picking_list")  # a kept list shows prescriptions' grams too
        with written_in_place(out) as partial:
            if args.number is not None:
                pdf, number, count = picking_list_pdf(db, args.number), args.number, None
                partial.write_bytes(pdf)
            else:
                made = generate_picking_list(db, order_ids=args.orders, actor=actor,
                                             before_commit=partial.write_bytes)
                number, count = made.number, len(made.order_ids)
    except PickingListError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"The picking list could not be written to {out} ({exc.strerror or exc}); nothing was recorded.",
              file=sys.stderr)
        return 2
    finally:
        db.close()
    what = f"{count:,} orders" if count is not None else "kept list"
    print(f"Picking list {number} ({what}) written to {args.output}.")
    return 0


def register_cli(subparsers) -> None:
    """`orders-core picking-list [--orders 1,2,3] -o FILE [--db PATH] --as EMAIL`."""

    p = subparsers.add_parser("picking-list", help="generate a picking list PDF")
    p.add_argument("--orders", type=order_ids_arg, default=None,
                   help="comma-separated Order IDs (default: every non-archived order in Order Placed)")
    p.add_argument("--number", type=count_arg, default=None, help="write kept picking list N again instead")
    p.add_argument("-o", "--output", type=path_arg, required=True, help="the PDF file to write")
    add_db_option(p)
    add_as_option(p)
    p.set_defaults(func=_cli)
