"""What a search of the Orders index looks for: the condition on orders ``o`` its text makes (``search_clause``).

Every piece of user text reaches the database as a parameter. Search uses the dialect's ``contains`` on
lower-cased, accent-stripped text, so ``%`` and ``_`` are plain characters, not wildcards.

Decisions (where the requirements are silent):
- Search words may come in any order: each word must be in the client's name ("Côté François").
  Text made only of digits and spaces, commas, dots or dashes ("150 000", "150,000"), with or without a
  leading "#" ("#100123"), is an Order ID.
- What people paste: a link to an Order Profile of this app ("http://host/order?id=100123") finds that
  order and nothing else; a link to a Client Profile ("/client?id=1001") finds that client's orders
  (``rules.parsing.linked_id``). A tracking number is looked for as the carrier prints it, spaces and
  dashes and all: without its spaces (as it is stored, ``lifecycle.normalise_tracking``) and without its
  dashes too ("1Z 999-AA1" finds "1Z999AA1...").
- A search holding a NUL character matches nothing, on both engines (no stored text holds one, and
  PostgreSQL refuses it as a parameter).
- The clients and carriers whose names match are found first (small tables), so the orders are only tested
  by their client and carrier columns; only a tracking number is looked for inside the orders' own text,
  and on DuckDB only in the orders whose tracking number's signature may hold it (``storage.tracking_grams``:
  'pu00012345' at 10,000,000 orders, every text scanned in 174-245 ms, now 24 ms).
  A search that matched carriers alone is then a carrier filter (``Search.only_carriers``), counted and paged
  as one. DuckDB gathers any other search's matches in one scan: counting and paging a common name's 16,000
  clients as a filter, twice over the columns, took 143 ms instead of 70 at 10,000,000 orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orders_core.orders.index_counts import Carriers
from orders_core.rules.limits import MAX_SEARCH_CHARS
from orders_core.rules.parsing import linked_id
from orders_core.rules.search_text import fold, search_words
from orders_core.storage import dialect, tracking_grams
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value, in_list

ORDER_NUMBER = re.compile(r"#?\s*\d[\d\s,.\-\u00a0\u202f]*")
TRACKING_MIN_CHARS = 8
TRACKING_CANDIDATES = 4096  # DuckDB: more orders whose signature holds a piece's, and every order's text is read


@dataclass(frozen=True)
class Search:
    """A search's condition on orders ``o`` and its parameters, and the carriers it matched when it matched
    nothing else (a kept count may serve it: ``index_counts``)."""

    clause: str
    params: list
    only_carriers: Carriers | None = None
    clients_open: int | None = None  # PostgreSQL: the orders not archived of the clients it matched, when it
    # matched clients alone (``storage.client_search``)


NOTHING = Search("FALSE", [])


def search_clause(cur: Cursor, text: str) -> Search:
    """Exact Order ID, or a case- and accent-insensitive substring of client name, carrier or tracking.

    Tracking numbers are stored upper-case and scanning them all is the costly part of a search, so they
    are only scanned for text that could be a piece of one: at least TRACKING_MIN_CHARS characters, a digit
    among them. (An Order ID is shorter, and a shorter piece of a 12-16 digit number matches orders by chance.)
    """
    if len(text) > MAX_SEARCH_CHARS or "\x00" in text:
        return NOTHING
    link = linked_id(text)
    if link is not None:  # a pasted link to a profile: that order, or that client's orders, only
        return Search("o.order_id = ?" if link.page == "order" else "o.client_id = ?", [link.id])
    d = dialect.of(cur)
    parts: list[str] = []
    params: list = []
    digits = re.sub(r"\D", "", text) if ORDER_NUMBER.fullmatch(text) else ""
    if digits and len(digits) <= 18:
        parts.append("o.order_id = ?")
        params.append(int(digits))
    words = search_words(text)
    clients, open_orders = None, None
    names = " AND ".join(d.contains("name_key", "?") for _ in words)
    if d.search_clients_inline:  # the clients' condition inside the query, when any client meets it
        if fetch_value(cur, f"SELECT EXISTS (SELECT 1 FROM clients WHERE {names})", words):
            parts.append(f"o.client_id IN (SELECT client_id FROM clients WHERE {names})")
            params += words
    elif d.client_search_tables:  # PostgreSQL: the clients and their orders not archived, in one scan; the
        # ids as an array's text, which PostgreSQL parses back (16,000 ids as a list of ints: 15 ms more each way)
        clients, open_orders = cur.execute(
            f"SELECT {d.list_of('client_id')}::VARCHAR, sum(open_orders) FROM client_search WHERE {names}",
            words).fetchall()[0]
        if clients:
            parts.append(d.in_array("o.client_id", "INTEGER"))
            params.append(clients)
    elif clients := fetch_value(cur, f"SELECT {d.list_of('client_id')} FROM clients WHERE {names}", words):
        parts.append(d.in_array("o.client_id", "INTEGER"))
        params.append(clients)
    carriers = fetch_value(
        cur, f"SELECT {d.list_of('name')} FROM carriers WHERE {d.contains(d.fold('name'), '?')}", [fold(text)])
    if carriers:
        clause, names = in_list("o.carrier", carriers)
        parts.append(clause)
        params += names
    for tracking in tracking_forms(text):
        if found := _tracking_part(cur, tracking):
            parts.append(found[0])
            params += found[1]
    if not parts:
        return NOTHING
    only_carriers = Carriers(list(carriers)) if carriers and len(parts) == 1 else None
    clients_open = int(open_orders) if clients and open_orders is not None and len(parts) == 1 else None
    return Search("(" + " OR ".join(parts) + ")", params, only_carriers, clients_open)


def _tracking_part(cur: Cursor, piece: str) -> tuple[str, list] | None:
    """The condition on orders whose tracking number holds ``piece``; None when no order's does.

    On DuckDB the orders whose signature holds the piece's bits (``storage.tracking_grams``) are listed first,
    then only their tracking numbers are read and tested here, and the condition names the orders that hold
    the piece. (Given the signature and the text test in one query, DuckDB read every order's text: 190 ms
    at 10,000,000 orders.) When more than TRACKING_CANDIDATES orders are listed (a piece common to many
    numbers), every order's text is tested in the query, as on PostgreSQL, where a trigram index serves it."""
    d = dialect.of(cur)
    if d.tracking_grams_tables:
        bits = tracking_grams.mask(piece)
        ids = fetch_value(cur, f"SELECT {d.list_of('order_id')} FROM (SELECT order_id FROM tracking_grams "
                               "WHERE grams & ? = ? LIMIT ?) candidates", [bits, bits, TRACKING_CANDIDATES + 1])
        if ids is None:
            return None
        if len(ids) <= TRACKING_CANDIDATES:
            held = sorted(i for i, number in cur.execute(
                f"SELECT order_id, tracking_number FROM orders WHERE {d.array_contains('?::BIGINT[]', 'order_id')}",
                [ids]).fetchall() if number is not None and piece in number)
            return (d.array_contains("?::BIGINT[]", "o.order_id"), [held]) if held else None
    return d.contains("o.tracking_number", "?"), [piece]


def tracking_forms(text: str) -> list[str]:
    """The forms a piece of a tracking number typed as the carrier prints it is looked for in: upper case
    without spaces (as stored), and without dashes as well; none for text that cannot be a piece of one
    (shorter than TRACKING_MIN_CHARS once its spaces are gone, or without a digit)."""
    compact = re.sub(r"\s+", "", text).upper()
    if len(compact) < TRACKING_MIN_CHARS or not any(ch.isdigit() for ch in compact):
        return []
    forms = [compact]
    bare = compact.replace("-", "")
    if bare != compact and len(bare) >= TRACKING_MIN_CHARS:
        forms.append(bare)
    return forms
