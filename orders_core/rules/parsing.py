"""What people type or paste as an id (an order, a client), parsed one way wherever it comes in:
a form, a URL, a file cell, the command line, a search box.

An id is ASCII digits, with spaces around and one leading ``#`` allowed ("#100123"). A Unicode digit such
as "²" or "٣" is not one (``str.isdigit`` accepts them, ``int`` does not read them all). Money, grams and
dates have their own single parsers: ``rules.numbers``, ``rules.fields`` and ``rules.dates``.
"""

from __future__ import annotations

from orders_core.rules.refusals import Refused

MAX_ID_DIGITS = 18  # a BIGINT holds every 18-digit number
MAX_CLIENT_ID_DIGITS = 9


class BadId(Refused, ValueError):
    """Text that is not an id, in one sentence."""


def id_in(text: object, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """The id ``text`` holds, or None when it is not one."""
    if text is None or isinstance(text, bool):
        return None
    raw = str(text).strip().removeprefix("#")
    if raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
        return int(raw)
    return None


def parse_id(text: object, what: str = "Order ID", max_digits: int = MAX_ID_DIGITS,
             example: str = "100123") -> int:
    """The id ``text`` holds, or ``BadId`` naming what was expected."""
    found = id_in(text, max_digits)
    if found is None:
        raise BadId(f"{str(text)[:40]!r} is not an {what}; give a number such as {example}.")
    return found
