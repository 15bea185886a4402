"""`orders-core returns ...`: record returns, refund them, replace them, goodwill refunds, and list them.

    orders-core returns record ORDER_ID SKU=UNITS [SKU=UNITS ...] --reason REASON [--received YYYY-MM-DD]
                               [--note TEXT] [--disposition TEXT] [--dry-run] --as EMAIL
    orders-core returns refund RETURN_ID --method METHOD --reference REF [--shipping] --as EMAIL
    orders-core returns replace RETURN_ID [SKU=UNITS ...] --as EMAIL
    orders-core returns goodwill ORDER_ID AMOUNT --reason TEXT --method METHOD --reference REF --as EMAIL
    orders-core returns list [--order ORDER_ID] --as EMAIL

Every command acts as the staff member ``--as`` names, checked in the write's transaction against the staff
list and the role table (``receive_return`` to record, ``refund_order`` to refund or replace, ``view_orders``
to list). Bad input (an order not shipped, a SKU not on the order, more units than shipped, a count that is not
a whole number above zero, an unknown reason) is one sentence on stderr, exit status 2, and nothing changes.
A reason may be typed as its full text or its first word (``damaged``, ``wrong``, ``recall``, ``client``,
``undeliverable``, ``other``). ``--dry-run`` checks and prints the return and its refund, writing nothing.
"""

from __future__ import annotations

import argparse

from orders_core.cli.options import add_as_option, add_db_option, date_arg, order_id_arg, text_arg
from orders_core.returns.reads import describe, list_returns
from orders_core.returns.recording import DEFAULT_DISPOSITION, parse_reason, parse_units_list, record_return
from orders_core.returns.refunds import goodwill_refund, refund_return
from orders_core.returns.replacement import create_replacement
from orders_core.rules import formatting
from orders_core.staff.members import acting
from orders_core.storage.database import open_database


def _open(args: argparse.Namespace, action: str):
    db = open_database(args.db, create=False)
    try:
        return db, acting(db.cursor(), args.as_email, action)
    except BaseException:
        db.close()
        raise


def _record(args: argparse.Namespace) -> int:
    reason = parse_reason(args.reason)
    wanted = parse_units_list(args.units)
    db, person = _open(args, "receive_return")
    try:
        result = record_return(db, args.order_id, person, units=wanted, reason=reason, received_on=args.received,
                               note=args.note or "", disposition=args.disposition, dry_run=args.dry_run)
    finally:
        db.close()
    head = "Dry run, nothing was written: " if args.dry_run else ""
    print(head + result.details + ".")
    r = result.refund
    said = f"Refunding it gives {formatting.money(r.client)} back to the client"
    if r.policies:
        said += f" and {formatting.money(r.insurers)} back to the insurers (" + ", ".join(
            f"policy {p} {formatting.money(a)}" for p, a in sorted(r.policies.items())) + ")"
    print(said + " (the shipping charge not included).")
    return 0


def _refund(args: argparse.Namespace) -> int:
    db, person = _open(args, "refund_order")
    try:
        result = refund_return(db, args.return_id, person, method=args.method, reference=args.reference,
                               include_shipping=args.shipping)
    finally:
        db.close()
    print(result.sentence())
    return 0


def _replace(args: argparse.Namespace) -> int:
    wanted = parse_units_list(args.units) if args.units else None
    db, person = _open(args, "refund_order")
    try:
        order_id = create_replacement(db, args.return_id, person, lines=wanted)
    finally:
        db.close()
    print(f"Replacement order {order_id} created for return {args.return_id} (Order Placed, no charge).")
    return 0


def _goodwill(args: argparse.Namespace) -> int:
    db, person = _open(args, "refund_order")
    try:
        result = goodwill_refund(db, args.order_id, person, amount=args.amount, reason=args.reason,
                                 method=args.method, reference=args.reference)
    finally:
        db.close()
    print(result.sentence())
    return 0


def _list(args: argparse.Namespace) -> int:
    db, person = _open(args, "view_orders")
    try:
        frame = describe(list_returns(db.cursor(), person, args.order))
    finally:
        db.close()
    print(frame.to_string(index=False) if len(frame) else "No returns.")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add ``orders-core returns record|refund|replace|goodwill|list``."""
    group = subparsers.add_parser("returns", help="returns, refunds and replacements of shipped orders")
    sub = group.add_subparsers(dest="returns_command", required=True)

    record = sub.add_parser("record", help="record what came back of a Shipped or Delivered order")
    record.add_argument("order_id", type=order_id_arg, metavar="ORDER_ID")
    record.add_argument("units", nargs="*", type=text_arg, metavar="SKU=UNITS")
    record.add_argument("--reason", required=True, type=text_arg, help="damaged, wrong, recall, client, undeliverable, other")
    record.add_argument("--received", type=date_arg, default=None, help="the date received (default: today)")
    record.add_argument("--note", type=text_arg, default="", help="what happened (needed with --reason other)")
    record.add_argument("--disposition", type=text_arg, default=DEFAULT_DISPOSITION, help="what became of the units")
    record.add_argument("--dry-run", action="store_true", help="check and show the return and its refund; write nothing")
    record.set_defaults(func=_record)

    refund = sub.add_parser("refund", help="refund a return (client and insurers)")
    refund.add_argument("return_id", type=order_id_arg, metavar="RETURN_ID")
    refund.add_argument("--method", required=True, type=text_arg)
    refund.add_argument("--reference", required=True, type=text_arg)
    refund.add_argument("--shipping", action="store_true", help="refund the shipping charge too")
    refund.set_defaults(func=_refund)

    replace = sub.add_parser("replace", help="create the replacement order of a return (s. 293)")
    replace.add_argument("return_id", type=order_id_arg, metavar="RETURN_ID")
    replace.add_argument("units", nargs="*", type=text_arg, metavar="SKU=UNITS", help="default: what came back")
    replace.set_defaults(func=_replace)

    goodwill = sub.add_parser("goodwill", help="refund a client without a return")
    goodwill.add_argument("order_id", type=order_id_arg, metavar="ORDER_ID")
    goodwill.add_argument("amount", type=text_arg, metavar="AMOUNT")
    goodwill.add_argument("--reason", required=True, type=text_arg)
    goodwill.add_argument("--method", required=True, type=text_arg)
    goodwill.add_argument("--reference", required=True, type=text_arg)
    goodwill.set_defaults(func=_goodwill)

    listing = sub.add_parser("list", help="the latest returns, with their refunds and replacements")
    listing.add_argument("--order", type=order_id_arg, default=None, metavar="ORDER_ID")
    listing.set_defaults(func=_list)

    for p in (record, refund, replace, goodwill, listing):
        add_db_option(p)
        add_as_option(p)
