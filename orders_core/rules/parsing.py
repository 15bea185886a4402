"""What people type or paste as an id (an order, a client), parsed one way wherever it comes in:
a form, a URL, a file cell, the command line, a search box.

An id is ASCII digits, with spaces around and one leading ``#`` allowed ("#100123"). A Unicode digit such
as "²" or "٣" is not one (``str.isdigit`` accepts them, ``int`` does not read them all). Money, grams and
dates have their own single parsers: ``rules.numbers``, ``rules.fields`` and ``rules.dates``.

A search box also takes a link to a profile, as people paste it from a ticket or an e-mail
(``linked_id``): ``http://host/order?id=100123``, ``/client?id=1001``, with or without the scheme and host,
other parameters or a ``#`` part. Any host is accepted (the app cannot know every name it is reached by);
the page must be the Order or Client Profile and the ``id`` an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

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


def foreign_digit(text: object) -> str | None:
    """The first character of ``text`` that is a digit or number but not 0-9 ("²", "٣", "１", "½"), or None.
    An id typed or pasted with one (a client number, a SKU, a portal order id) is refused, not stored."""
    return next((ch for ch in str(text) if not ch.isascii() and ch.isnumeric()), None) if text is not None else None


FOREIGN_DIGIT = "holds {!r}, which is not one of the digits 0 to 9; type the id with the digits 0 to 9"


def parse_id(text: object, what: str = "Order ID", max_digits: int = MAX_ID_DIGITS,
             example: str = "100123") -> int:
    """The id ``text`` holds, or ``BadId`` naming what was expected."""
    found = id_in(text, max_digits)
    if found is None:
        raise BadId(f"{str(text)[:40]!r} is not an {what}; give a number such as {example}.")
    return found


LINKED_PAGES = {"order": MAX_ID_DIGITS, "client": MAX_CLIENT_ID_DIGITS}  # a profile's path, and its id's digits
_LINK = re.compile(r"(?:[a-z][a-z0-9+.\-]*://[^/?#\s]*)?(?:/?[^?#\s]*/)?(order|client)\?(\S*)", re.IGNORECASE)


@dataclass(frozen=True)
class LinkedId:
    """What a pasted link to a profile points at: ``page`` ("order" or "client") and the ``id``."""

    page: str
    id: int


def linked_id(text: object) -> LinkedId | None:
    """The profile a pasted link of this app points at ("http://host/order?id=100123", "/client?id=1001"),
    or None when ``text`` is not such a link."""
    if text is None:
        return None
    raw = str(text).strip()
    found = _LINK.fullmatch(raw)
    if found is None:
        return None
    page = found.group(1).lower()
    try:
        query = urlsplit("?" + found.group(2)).query
        values = parse_qs(query, keep_blank_values=True).get("id", [])
    except ValueError:
        return None
    number = id_in(values[-1], LINKED_PAGES[page]) if values else None
    return None if number is None else LinkedId(page, number)
