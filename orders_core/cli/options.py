"""What every command shares: ``--db`` and ``--as`` (defined here once), the acting person, and the
argparse types of what people type on the command line (each one sentence when it is wrong).

``--as EMAIL`` (default ``$ORDERS_AS``) names the member of staff a command acts as; ``acting_person``
turns it into the ``Person`` on the staff list now, refusing in one sentence someone not on it,
deactivated, or whose role may not do the action (``staff.members.acting``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orders_core.rules.dates import parse_date
from orders_core.rules.parsing import parse_id
from orders_core.rules.roles import Person
from orders_core.staff.members import acting
from orders_core.storage.database import default_db_path


def output_problem(out: Path, example: str) -> str | None:
    """Why a file cannot be written to ``out`` (None: it can), checked before anything is read or recorded;
    ``example`` is a file name to suggest when ``out`` is a folder."""
    if out.is_dir():
        return f"{out} is a folder; give the file's name, such as {out / example}."
    if not out.parent.exists():
        return f"The folder {out.parent} does not exist; create it first or choose another one."
    if not out.parent.is_dir():
        return f"{out.parent} is not a folder, so {out.name} cannot be written there."
    if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        return f"{out} cannot be written (no permission); choose another place."
    return None


@contextmanager
def written_in_place(out: Path) -> Iterator[Path]:
    """A temporary file next to ``out`` to write into: renamed to ``out`` when the block ends without an error,
    removed otherwise, so a half-written file never carries ``out``'s name."""
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        yield partial
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The shared ``--db`` option: a DuckDB file or a ``postgresql://`` URL."""
    parser.add_argument("--db", type=path_arg, default=default_db_path(),
                        help="database file or postgresql:// URL (default $ORDERS_DB or data/orders.duckdb)")


def add_as_option(parser: argparse.ArgumentParser) -> None:
    """The shared ``--as EMAIL`` option (one line per command that acts as someone)."""
    parser.add_argument("--as", dest="as_email", metavar="EMAIL", default=os.environ.get("ORDERS_AS"), type=_utf8,
                        help="the staff member you act as: their e-mail on the staff list (default $ORDERS_AS)")


def _utf8(text: str) -> str:
    """An argparse type: the address must be UTF-8 (a terminal in another encoding gets one sentence)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("the e-mail is not valid UTF-8; type it again in a UTF-8 terminal.") from None
    return text


def acting_person(cur, args: argparse.Namespace, action: str | None = None) -> Person:
    """The active staff member ``--as`` names, allowed to do ``action``; else one sentence (``Refused``)."""
    return acting(cur, getattr(args, "as_email", None), action)


def date_arg(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates in the module's range (orders_core.rules.dates), with a one-sentence error."""
    try:
        return parse_date(text, "The date")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def text_arg(text: str) -> str:
    """An argparse type for text that goes into the database (such as ``--as``): it must be UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("the text is not valid UTF-8; type it again in a UTF-8 terminal.") from None
    return text


def path_arg(text: str) -> str:
    """An argparse type for a file path the module opens or writes and names in its messages."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            "the path is not valid UTF-8; rename the file or folder, or choose another."
        ) from None
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty.")
    return text


def order_id_arg(text: str) -> int:
    """An argparse type for one Order ID: ASCII digits, at most 18 of them (``rules.parsing.parse_id``)."""
    try:
        return parse_id(text, "Order ID")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def order_ids_arg(text: str) -> list[int]:
    """An argparse type for comma-separated Order IDs ("1,2,3"), each as ``order_id_arg`` reads it."""
    return [order_id_arg(p) for p in text.split(",") if p.strip()]


def bounded_int(low: int, high: int):
    """An argparse type for a whole number from ``low`` to ``high`` (ASCII digits; ``_`` or ``,`` allowed)."""

    def parse(text: str) -> int:
        raw = text.strip().replace("_", "").replace(",", "")
        digits = raw.removeprefix("-")
        if digits.isascii() and digits.isdigit() and len(digits) <= len(str(max(abs(low), high))):
            number = int(raw)
            if low <= number <= high:
                return number
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number from {low:,} to {high:,}.")

    return parse


count_arg = bounded_int(1, 10_000_000)
