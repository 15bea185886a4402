"""DuckDB's search structure for tracking numbers (``tracking_grams``, migration 18): one 64-bit signature of
the three-character pieces of each order's tracking number, which a search reads before it reads any text.

A search for a piece of a tracking number ('pu00012345') scanned the text of every order: 174-245 ms at
10,000,000 orders on this 2-core machine, most of it reading 9.3 million strings. PostgreSQL has a trigram
index for it (``dialect.search_indexes``); DuckDB has no index that serves a substring, so it keeps this
table. Every three consecutive bytes of a tracking number set one of 63 bits (``signatures``); a text that
contains the searched piece has every bit the piece's own pieces set (``mask``). The search first lists the
orders whose signature holds the piece's mask (a scan of one BIGINT column: about 30 ms at 10,000,000), then
tests only those orders' text (``orders.index_search``): a 10-character piece left 0 to 100 candidates of
9.3 million. The bits are a filter, never the answer: the text test decides, so the rows are exactly those of
the plain scan.

Kept in the same transaction as the tracking number, by the two writes that set one (``keep``: shipping one
order, ``orders.lifecycle``; shipping many, ``orders.bulk_lifecycle``), and written whole by the migration,
the demo and ``check --recount`` (``fill``). No trigger keeps it (DuckDB 2.0's UPDATE triggers refuse every
update of an order: ``tests/unit/storage/test_duckdb_triggers.py``): a write past the orders module leaves it
behind, and ``orders-core check`` names each order whose signature is missing or differs (``mismatches``).

Decisions:
- The hash of a piece is our own arithmetic on its bytes (``(b1 * 1369 + b2 * 37 + b3) % 63``), computed in
  Python with numpy (9.3 million numbers in a few seconds), not DuckDB's ``hash()``, whose values a later
  DuckDB may change: the stored signatures must stay valid across upgrades.
- Only orders with a tracking number have a row; the table has no key (a key's index would cost the demo
  and every write for a rule no writer can break: both writes replace the order's row in its transaction).
- PostgreSQL keeps none (its trigram index serves the search).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor

TABLE = "tracking_grams"
TABLES = (TABLE,)
DDL = f"CREATE TABLE IF NOT EXISTS {TABLE} (order_id BIGINT NOT NULL, grams BIGINT NOT NULL);\n"
BITS = 63  # bits 0-62: a signature is a positive BIGINT
CHUNK = 262_144
WEIGHTS = (1369, 37, 1)


_BIT_OF_CODE = np.left_shift(np.int64(1), np.arange(256 * sum(WEIGHTS), dtype=np.int64) % BITS)


def _encoded(texts: Sequence[str]) -> np.ndarray:
    """The texts' UTF-8 bytes as a fixed-width byte string array (NUL-padded)."""
    try:
        return np.asarray(texts, dtype=str).astype("S")  # ASCII, as tracking numbers are: fast
    except UnicodeEncodeError:
        return np.char.encode(np.asarray(texts, dtype=str), "utf-8", errors="surrogatepass")


def signatures(texts: Sequence[str]) -> np.ndarray:
    """The signature of each text (int64): a bit per three consecutive bytes of its UTF-8 form; 0 for a text
    shorter than three bytes. (No text here holds a NUL: a tracking number is letters, digits and dashes, and
    a search holding one matches nothing, ``orders.index_search``.)"""
    if not len(texts):
        return np.zeros(0, dtype=np.int64)
    encoded = _encoded(texts)
    width = max(encoded.dtype.itemsize, 3)
    raw = np.frombuffer(encoded.astype(f"S{width}").tobytes(), dtype=np.uint8).reshape(len(texts), width)
    b = raw.astype(np.int32)
    bits = _BIT_OF_CODE[b[:, :-2] * WEIGHTS[0] + b[:, 1:-1] * WEIGHTS[1] + b[:, 2:]]
    bits[raw[:, 2:] == 0] = 0  # a piece that runs into the padding is no piece of the text
    return np.bitwise_or.reduce(bits, axis=1)


def mask(piece: str) -> int:
    """The bits every text containing ``piece`` has set."""
    return int(signatures([piece])[0])


@contextmanager
def _registered(cur, ids, texts) -> Iterator[None]:
    """The orders' ids and signatures as the relation ``tracking_frame`` (DuckDB reads the frame in place)."""
    cur.register("tracking_frame", pd.DataFrame({"order_id": np.asarray(ids, dtype=np.int64),
                                                 "grams": signatures(texts)}))
    try:
        yield
    finally:
        cur.unregister("tracking_frame")


def keep(cur: Cursor, order_ids: list[int]) -> None:
    """Write the signatures of ``order_ids`` afresh from their tracking numbers, in the caller's transaction
    (DuckDB; nothing to do on PostgreSQL)."""
    if not order_ids or not dialect.of(cur).tracking_grams_tables:
        return
    cur.execute(f"DELETE FROM {TABLE} WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [order_ids])
    rows = cur.execute("SELECT order_id, tracking_number FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[])) "
                       "AND tracking_number IS NOT NULL", [order_ids]).fetchall()
    if rows:
        cur.execute(f"INSERT INTO {TABLE} SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[])",
                    [[r[0] for r in rows], signatures([r[1] for r in rows]).tolist()])


def _chunks(cur: Cursor):
    """Every order with a tracking number, as (first id, last id, ids, texts) per range of order ids."""
    low, high = cur.execute("SELECT min(order_id), max(order_id) FROM orders").fetchone()
    for first in range(low or 0, (high or -1) + 1, CHUNK):
        last = first + CHUNK - 1
        found = cur.execute("SELECT order_id, tracking_number FROM orders WHERE order_id BETWEEN ? AND ? "
                            "AND tracking_number IS NOT NULL", [first, last]).fetchnumpy()
        yield first, last, found["order_id"], found["tracking_number"]


def fill(cur: Cursor) -> int:
    """Write every signature afresh (DuckDB); returns the orders with a tracking number."""
    cur.execute(f"DELETE FROM {TABLE}")
    tracked = 0
    for _first, _last, ids, texts in _chunks(cur):
        with _registered(cur, ids, texts):
            cur.execute(f"INSERT INTO {TABLE} SELECT order_id, grams FROM tracking_frame")
        tracked += len(ids)
    return tracked


def mismatches(cur: Cursor, limit: int = 100) -> list[int]:
    """The orders (at most ``limit``) whose kept signature is missing, doubled, or not their tracking
    number's, and those kept that have no tracking number (any more)."""
    found = [r[0] for r in cur.execute(
        f"SELECT g.order_id FROM {TABLE} g LEFT JOIN orders o ON o.order_id = g.order_id "
        "WHERE o.tracking_number IS NULL ORDER BY 1 LIMIT ?", [limit]).fetchall()]
    for first, last, ids, texts in _chunks(cur):
        if len(found) >= limit:
            break
        with _registered(cur, ids, texts):
            found += [r[0] for r in cur.execute(
                f"""SELECT f.order_id FROM tracking_frame f LEFT JOIN (
                        SELECT order_id, count(*) AS n, min(grams) AS grams FROM {TABLE}
                        WHERE order_id BETWEEN ? AND ? GROUP BY order_id) k ON k.order_id = f.order_id
                    WHERE k.n IS DISTINCT FROM 1 OR k.grams <> f.grams ORDER BY 1""", [first, last]).fetchall()]
    return sorted(found)[:limit]
