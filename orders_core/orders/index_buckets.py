"""Pages of the Orders index on DuckDB that do not sort what they skip.

DuckDB answers ``ORDER BY ... LIMIT 50 OFFSET 24950`` by sorting every matching order (only a plain LIMIT is
a top-N): page 500 of 10,000,000 orders took 413 ms where page 1 took 27 ms. Here a page past the first is
read in two steps, in one read transaction (one snapshot):

1. how many matching orders each *bucket* of the sort's leading key holds, in the sort's order: the
   created day (Created At), a block of 65,536 ids (Order ID), the status and the created day (Status).
   One narrow scan; the buckets' sum is also the total the page shows, so nothing else counts. By Created
   At only the days nearest the sort's start are grouped (``_days_from_the_start``): a count finds the
   total and the first and last day, then the days of a span that holds the page (zone maps skip the
   rest), where grouping all 9,000,000 orders by day took 43 ms.
2. the page from the orders of the few buckets that hold its rows, with the plain query's ORDER BY and an
   OFFSET inside those buckets only.

Decisions:
- The rows and their order are the plain query's (``index._list_orders`` without buckets), ties included:
  a bucket holds whole runs of its sort key, and the tie-breaking columns order the rows inside it.
- Both steps read one snapshot, so an order written or archived between them cannot shift the page; a
  later page load sees the data as it is then, as the plain query would.
- Only on DuckDB (``dialect.pages_by_buckets``): PostgreSQL reads a deep page along its sort index and its
  counts from ``order_counts``, and a GROUP BY over every order would cost it more than it saves.
- Used for a page past the first; page 1 stays a top-N (counting by buckets costs a GROUP BY, about 45 ms
  more than a plain count at 10,000,000 orders, which a first page does not need). But the first page by
  Status (``first_status_page``): the plain top-N sorts every order by three columns (49-65 ms at 10,000,000
  orders), where the first status in the lifecycle's order (Unverified) holds a few thousand. Its page is
  first read as that status's own top-N, newest first (DuckDB's top-N skips the row groups its rows already
  beat: 2 ms for Cancelled's 471,542 orders); when that holds a whole page, it is the page, and the total is
  a plain count. (Counting the status's orders and all of them in one scan with FILTER, as it was, took
  31-33 ms, where a plain count takes 13: Status 52 -> 30 ms, Cancelled first 59 -> 25 ms at 10,000,000.)
- A named list of orders (``order_ids``) keeps the plain query, and a search the one scan of
  ``index._searched_page``; a search that matched carriers alone is paged here, as a carrier filter. A page
  that would span more than ``MAX_BUCKETS`` buckets (a tiny database, days of one order each) is left to the
  plain query, which is fast there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame

BLOCK = 65_536  # Order IDs per bucket
DAYS_FIRST = 8  # created days grouped first for a page by Created At (then 32, 128, ...)
MAX_BUCKETS = 64


@dataclass(frozen=True)
class Window:
    """The rows of the buckets a page lies in: a condition on orders ``o`` and its parameters, and how
    many of those rows come before the page."""

    clause: str
    params: list
    skip: int


def _buckets_sql(sort: str, descending: bool, where: str) -> str:
    """Each bucket's key and its number of orders matching ``where``, in the sort's order."""
    direction = "DESC" if descending else "ASC"
    if sort == "Created At":
        keys, order = "o.created_at::DATE", f"1 {direction}"
    elif sort == "Order ID":
        keys, order = f"o.order_id // {BLOCK}", f"1 {direction}"
    else:  # Status, in the lifecycle's order (the ENUM's); then newest first inside a status (index._order_by)
        keys, order = "o.status, o.created_at::DATE", f"1 {direction}, 2 DESC"
    return f"SELECT {keys}, count(*) FROM orders o WHERE {where} GROUP BY ALL ORDER BY {order}"


def _window(sort: str, buckets: list[tuple], skip: int) -> Window:
    """The condition selecting the orders of ``buckets`` (consecutive in the sort's order)."""
    if sort == "Created At":
        days = [b[0] for b in buckets]
        return Window("o.created_at >= ?::DATE AND o.created_at < ?::DATE + INTERVAL '1 day'",
                      [min(days), max(days)], skip)
    if sort == "Order ID":
        blocks = [b[0] for b in buckets]
        return Window("o.order_id >= ? AND o.order_id < ?", [min(blocks) * BLOCK, (max(blocks) + 1) * BLOCK], skip)
    days_of: dict[str, list[dt.date]] = {}
    for status, day, _n in buckets:
        days_of.setdefault(status, []).append(day)
    parts, params = [], []
    for status, days in days_of.items():  # a status's buckets in the window are consecutive days of it
        parts.append("(o.status = ? AND o.created_at >= ?::DATE AND o.created_at < ?::DATE + INTERVAL '1 day')")
        params += [status, min(days), max(days)]
    return Window("(" + " OR ".join(parts) + ")", params, skip)


def locate(counts: list[tuple], offset: int, size: int) -> tuple[list[tuple], int] | None:
    """The buckets (each ``(*key, n)``, in order) holding rows ``offset`` to ``offset + size - 1``, and how
    many rows of the first come before ``offset``; None when the page is past the end or spans too many."""
    before = 0
    for i, bucket in enumerate(counts):
        if before + bucket[-1] > offset:
            end, held = i, before
            while held + counts[end][-1] < offset + size and end + 1 < len(counts):
                held += counts[end][-1]
                end += 1
            if end - i >= MAX_BUCKETS:
                return None
            return counts[i:end + 1], offset - before
        before += bucket[-1]
    return None


@contextmanager
def _snapshot(cur: Cursor) -> Iterator[Cursor]:
    """A cursor of its own reading one snapshot (a read transaction, rolled back)."""
    side = cur.cursor()
    try:
        side.execute("BEGIN TRANSACTION")
        yield side
    finally:
        try:
            side.execute("ROLLBACK")
        finally:
            side.close()


def _page_sql(select: str, where: str, clause: str, order_by: str, inner_order: str | None = None) -> str:
    """A page's rows: its order ids from the orders matching ``where`` and ``clause`` (in ``inner_order``, the
    same order where the page's rows agree on its first keys), then their columns, in ``order_by``."""
    return f"""
            {select}
            FROM (SELECT o.order_id FROM orders o WHERE {where} AND {clause}
                  ORDER BY {inner_order or order_by} LIMIT ? OFFSET ?) page
            JOIN orders o USING (order_id) JOIN clients c USING (client_id)
            ORDER BY {order_by}
            """


def bucket_page(cur: Cursor, sort: str, descending: bool, where: str, params: list, offset: int, size: int,
                select: str, order_by: str) -> tuple[pd.DataFrame, int] | None:
    """The page's rows (``select`` from orders ``o`` and clients ``c``, in ``order_by``) and the total, read
    in one snapshot on a cursor of its own; None to use the plain query instead."""
    with _snapshot(cur) as side:
        if sort == "Created At":
            total, first, last = side.execute(f"SELECT count(*), min(o.created_at)::DATE, max(o.created_at)::DATE "
                                              f"FROM orders o WHERE {where}", params).fetchall()[0]
            start = last if descending else first
            counts = _days_from_the_start(side, descending, where, params, offset + size, start, total) if total else []
        else:
            counts = side.execute(_buckets_sql(sort, descending, where), params).fetchall()
            total = sum(c[-1] for c in counts)
        found = locate(counts, offset, size)
        if found is None:
            return None
        window = _window(sort, *found)
        rows = fetch_frame(side, _page_sql(select, where, window.clause, order_by),
                           [*params, *window.params, size, window.skip])
        return rows, total


def _days_from_the_start(side: Cursor, descending: bool, where: str, params: list, needed: int, start: dt.date,
                         available: int) -> list[tuple]:
    """The created days' buckets of the ``available`` orders matching ``where`` from the sort's first day
    (``start``) on, as many as hold ``needed`` orders (or all of them): only the days nearest the start are
    grouped, a span widened fourfold until it holds enough (zone maps skip the rest of the file)."""
    span = DAYS_FIRST
    while True:
        try:
            edge = start - dt.timedelta(days=span) if descending else start + dt.timedelta(days=span)
        except OverflowError:  # past year 1 or 9999: the span holds every day there is
            edge = dt.date.min if descending else dt.date.max
        bound = "o.created_at >= ?::DATE" if descending else "o.created_at < ?::DATE + INTERVAL '1 day'"
        counts = side.execute(_buckets_sql("Created At", descending, f"{where} AND {bound}"),
                              [*params, edge]).fetchall()
        if sum(c[-1] for c in counts) >= min(needed, available):
            return counts
        span *= 4


def first_status_page(cur: Cursor, status: str, where: str, params: list, size: int, select: str,
                      order_by: str, in_status_order: str) -> tuple[pd.DataFrame, int] | None:
    """The first page by Status when the first status in the sort's order holds a whole page: its rows, read
    as that status's own top-N in ``in_status_order`` (the sort's order inside one status), and the total;
    None to use the plain query. Both read one snapshot."""
    with _snapshot(cur) as side:
        rows = fetch_frame(side, _page_sql(select, f"{where} AND o.status = ?", "TRUE", order_by, in_status_order),
                           [*params, status, size, 0])
        if len(rows) < size:
            return None
        return rows, int(side.execute(f"SELECT count(*) FROM orders o WHERE {where}", params).fetchall()[0][0])
