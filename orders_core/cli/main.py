"""The `orders-core` command line: one parser, one module per command group.

Every command that writes, or shows personal information, acts as a named member of staff (``--as EMAIL``
or ``$ORDERS_AS``, checked against the staff list and the role table: ``cli.options.acting_person``).
Whatever is refused (``rules.refusals.Refused``: a rule, a role, a database that cannot be used) is one
sentence on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from orders_core.cli import (
    audit,
    backup,
    check,
    demo,
    export,
    importing,
    labels,
    picking,
    recurring,
    report,
    returns,
    ship,
    staff,
)
from orders_core.rules.refusals import Refused
from orders_core.storage.dialect import driver_errors
from orders_core.storage.errors import explain_failure

COMMAND_GROUPS = (demo, picking, recurring, check, importing, staff, backup, export, audit, report, returns,
                  labels, ship)


class _Parser(argparse.ArgumentParser):
    """argparse, whose messages quote what was typed: text that is not UTF-8 is shown escaped, not a crash."""

    def _print_message(self, message: str, file=None) -> None:
        super()._print_message(message.encode("utf-8", "backslashreplace").decode("utf-8"), file)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="orders-core", description="The Orders module's command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a database that cannot be used (refused on opening, or found damaged, read-only or
    full while working) is one sentence on stderr and exit status 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Refused as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except driver_errors() as exc:
        sentence = explain_failure(exc, getattr(args, "db", None))
        if sentence is None:
            raise
        print(sentence, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
