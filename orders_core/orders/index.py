"""The Orders index: one query object, one page of rows plus the total count.

The SQL is written once for DuckDB and PostgreSQL; what differs goes through ``dialect.of(cur)``:
``enum_in`` (a status list), ``search_in_one_scan`` (DuckDB gathers a search's matches once, then counts
and pages them; PostgreSQL counts and pages them with two queries that its indexes serve,
``sort_indexes``), ``pages_by_buckets`` (DuckDB: ``index_buckets``) and ``summary_tables`` (the counts
PostgreSQL keeps: ``index_counts``). What a search looks for is ``index_search``'s; a search that matched
carriers alone is counted and paged as a carrier filter. ``WITH ... AS MATERIALIZED`` and ``INTERVAL '1 day'``
are the same on both. On PostgreSQL the result of ``_iter_orders`` is read to the client when the query
runs (the adapter's cursor), so an export holds its rows in memory there.

Decisions (where the requirements are silent):
- Each sort has a natural first direction (``NATURAL_DESCENDING``): newest first, highest Order ID
  first, Status in lifecycle order (Unverified first, Cancelled last: the status ENUM's order).
- A query naming its orders (``order_ids``: the orders behind a figure of the monthly reports) lists exactly
  those, archived or not, in the All view too (archiving hides an order from daily work; it still counts).
- The Returns view lists every order something came back of (archived or not); the Returns column says
  "Returned" (every unit came back) or "Partly returned"; the Status column keeps the lifecycle status. The
  export adds the units returned and the money refunded to the client and to insurers.
- The readers here are private and check no person: the public ones are ``orders.access.list_orders_for`` /
  ``export_csv_for``, which check the acting person against the staff list first (``staff.verification``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pandas as pd

from orders_core.orders.coverage import coverage_by_order
from orders_core.orders.index_buckets import bucket_page, first_status_page
from orders_core.orders.index_counts import NOT_KEPT, Carriers, kept_count
from orders_core.orders.index_search import Search, search_clause
from orders_core.rules import formatting
from orders_core.rules.csv_text import csv_bytes
from orders_core.rules.paging import Page, check_page
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_value, in_list, iter_frames
from orders_core.storage.schema import SOURCES, STATUSES

VIEWS = ("All", "Unverified", "Archived", "Returns")
SORTS = {"Created At": "o.created_at", "Order ID": "o.order_id", "Status": "o.status"}
NATURAL_DESCENDING = {"Created At": True, "Order ID": True, "Status": False}
PAGE_SIZES = (25, 50, 100, 200)

COVERAGE_COLUMN = "Policy Coverage"  # the export's extra column: what each policy paid, e.g. "Blue Cross $84.00"
INDEX_COLUMNS = ["Order ID", "Client", "Quantity", "Total Due", "Created At", "Shipped On", "Status", "Carrier",
                 "Returns"]
# The export's extra columns on returns (``orders_core.returns``): units back, and money refunded to each party.
RETURN_COLUMNS = ["Returned Units", "Refunded to Client", "Refunded to Insurers"]
# "Returned" / "Partly returned" (blank: nothing came back), from the order's running return totals.
RETURNS_SQL = """(SELECT CASE WHEN rs.units_returned > 0 AND rs.units_returned >= rs.units_ordered THEN 'Returned'
                             WHEN rs.units_returned > 0 THEN 'Partly returned' END
                  FROM order_return_state rs WHERE rs.order_id = o.order_id)"""


class InvalidQuery(ValueError):
    """A filter that cannot be applied, said in one sentence."""


@dataclass(frozen=True)
class OrderQuery:
    view: str = "All"
    search: str = ""
    sort: str = "Created At"
    descending: bool = True
    statuses: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    client_id: int | None = None
    order_ids: tuple[int, ...] | None = None  # exactly these orders (even none), archived or not in All
    page: int = 1
    page_size: int = 50
    visible_statuses: tuple[str, ...] | None = None  # the statuses the role may see (access.py); None: all

    def validated(self) -> OrderQuery:
        """This query, or InvalidQuery with the reason."""
        if self.view not in VIEWS:
            raise InvalidQuery(f"Unknown view {self.view!r}; choose one of {', '.join(VIEWS)}.")
        if self.sort not in SORTS:
            raise InvalidQuery(f"Orders cannot be sorted by {self.sort!r}; choose one of {', '.join(SORTS)}.")
        for name, values, allowed in (
            ("status", self.statuses, STATUSES),
            ("source", self.sources, SOURCES),
        ):
            bad = [v for v in values if v not in allowed]
            if bad:
                raise InvalidQuery(f"Unknown {name} {bad[0]!r}.")
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise InvalidQuery("The 'created from' date is after the 'created to' date.")
        check_page(self.page, self.page_size, "orders", InvalidQuery)
        return self

    def at_page(self, page: int) -> OrderQuery:
        return replace(self, page=page)


@dataclass(frozen=True)
class OrderPage(Page):
    query: OrderQuery


@dataclass(frozen=True)
class _Filters:
    """A query's condition on orders ``o`` in three parts: which orders its view holds by archiving
    (``archiving``, no parameters), its other filters (``clause`` and ``params``), and its search (``index_search``)."""

    archiving: str
    clause: str
    params: list
    search: Search | None

    @property
    def where(self) -> tuple[str, list]:
        """The whole condition and its parameters."""
        where, params = f"{self.archiving} AND {self.clause}", self.params
        if self.search is None:
            return where, params
        return f"{where} AND {self.search.clause}", [*params, *self.search.params]


def _where(cur: Cursor, q: OrderQuery) -> tuple[str, list, Search | None]:
    """The condition on orders ``o`` for ``q``, its parameters, and what its search matched (``index_search``)."""
    filters = _filters(cur, q)
    return *filters.where, filters.search


def _archiving(q: OrderQuery) -> str:
    if q.view == "Archived":
        return "o.archived_at IS NOT NULL"
    if q.view == "Returns":  # every order something came back of, archived or not
        return "o.order_id IN (SELECT order_id FROM order_return_state WHERE units_returned > 0)"
    if q.order_ids is None:  # a list of orders (those behind a report figure) keeps its archived ones
        return "o.archived_at IS NULL"
    return "TRUE"


def _filters(cur: Cursor, q: OrderQuery) -> _Filters:
    clauses: list[str] = []
    params: list = []
    if q.view == "Unverified":
        clauses.append("o.status = 'Unverified'")
    d = dialect.of(cur)
    if q.statuses:
        clauses.append(d.enum_in("o.status", "order_status"))
        params.append(list(q.statuses))
    for column, values in (("o.carrier", q.carriers), ("o.source::VARCHAR", q.sources)):
        if values:
            clause, value = in_list(column, values)
            clauses.append(clause)
            params += value
    if q.visible_statuses is not None:  # even when empty: a role that sees no status sees no order
        clauses.append(d.enum_in("o.status", "order_status"))
        params.append(list(q.visible_statuses))
    if q.created_from:
        clauses.append("o.created_at >= ?::DATE")
        params.append(q.created_from)
    if q.created_to:
        clauses.append("o.created_at < ?::DATE + INTERVAL '1 day'")
        params.append(q.created_to)
    if q.client_id is not None:
        clauses.append("o.client_id = ?")
        params.append(q.client_id)
    if q.order_ids is not None:
        clause, value = in_list("o.order_id", q.order_ids, "BIGINT")
        clauses.append(clause)
        params += value
    search = search_clause(cur, q.search.strip()) if q.search.strip() else None
    return _Filters(_archiving(q), " AND ".join(clauses) or "TRUE", params, search)


_SELECT = """
    SELECT o.order_id AS "Order ID", c.name AS "Client", o.grams AS "Quantity",
           o.total_due AS "Total Due", o.created_at AS "Created At",
           CASE WHEN o.status IN ('Shipped', 'Delivered') THEN o.shipped_on END AS "Shipped On",
           o.status::VARCHAR AS "Status", o.carrier AS "Carrier", """ + RETURNS_SQL + """ AS "Returns"
"""


STATUS_TIES = "o.created_at DESC, o.order_id DESC"  # the order inside one status, either way of the Status sort


def _order_by(q: OrderQuery) -> str:
    direction = "DESC" if q.descending else "ASC"
    column = SORTS[q.sort]
    tie = {"Order ID": "", "Status": f", {STATUS_TIES}"}.get(q.sort, f", o.order_id {direction}")
    return f"{column} {direction}{tie}"


def _list_orders(cur: Cursor, q: OrderQuery) -> OrderPage:
    """One page of the index for ``q`` and how many orders match in all (unchecked: pages, commands and tests
    list with ``access.list_orders_for``, which checks the person)."""
    q = q.validated()
    filters = _filters(cur, q)
    (where, params), search = filters.where, filters.search
    offset = (q.page - 1) * q.page_size
    as_filter = search is None or search.only_carriers is not None  # a search of carriers alone is a filter
    if not as_filter and dialect.of(cur).search_in_one_scan:
        rows, total = _searched_page(cur, filters, q, offset)
    elif as_filter and (bucketed := _bucketed_page(cur, q, where, params, offset)) is not None:
        rows, total = bucketed
    else:
        total = _count(cur, q, where, params, search)
        rows = fetch_frame(
            cur,
            f"""
            {_SELECT}
            FROM (SELECT o.order_id FROM orders o WHERE {where} ORDER BY {_order_by(q)} LIMIT ? OFFSET ?) page
            JOIN orders o USING (order_id) JOIN clients c USING (client_id)
            ORDER BY {_order_by(q)}
            """,
            [*params, q.page_size, offset],
        )
    return OrderPage(rows=rows, total=total, query=q)


def _bucketed_page(cur: Cursor, q: OrderQuery, where: str, params: list, offset: int) -> tuple[pd.DataFrame, int] | None:
    """A page past the first, counted per bucket first, or the first page by Status from its first status's
    orders (``index_buckets``; DuckDB only)."""
    if not dialect.of(cur).pages_by_buckets or q.order_ids is not None:
        return None
    if offset == 0:
        first = _first_status(q) if q.sort == "Status" else None
        return (first_status_page(cur, first, where, params, q.page_size, _SELECT, _order_by(q), STATUS_TIES)
                if first else None)
    return bucket_page(cur, q.sort, q.descending, where, params, offset, q.page_size, _SELECT, _order_by(q))


def _first_status(q: OrderQuery) -> str | None:
    """The first status in the sort's order that ``q`` lets through (its view, statuses and the role's)."""
    for status in reversed(STATUSES) if q.descending else STATUSES:
        if ((not q.statuses or status in q.statuses) and (q.view != "Unverified" or status == "Unverified")
                and (q.visible_statuses is None or status in q.visible_statuses)):
            return status
    return None


def _count(cur, q: OrderQuery, where: str, params: list, search: Search | None) -> int:
    """How many orders match ``q``: from the counts the engine keeps (``index_counts``) when ``q`` filters on
    nothing they do not hold, else by counting the orders."""
    if dialect.of(cur).summary_tables:
        if search is not None and search.clients_open is not None and _searched_alone(q):
            return search.clients_open  # the matched clients' orders in the All view, kept beside their names
        by = _kept_by(q, search.only_carriers if search is not None else None)
        if by is not NOT_KEPT:
            statuses = [s for s in (q.statuses or None, q.visible_statuses) if s is not None]
            kept = kept_count(cur, q.view, statuses, by)
            if kept is not None:
                return kept
    return fetch_value(cur, f"SELECT count(*) FROM orders o WHERE {where}", params)


def _searched_alone(q: OrderQuery) -> bool:
    """Whether ``q`` is a search of the All view with no other filter, by a role that sees every status."""
    return replace(q, sort="Created At", descending=True, page=1, page_size=OrderQuery.page_size,
                   search="") == OrderQuery()


def _kept_by(q: OrderQuery, matched: Carriers | None):
    """What a kept count of ``q`` is by (``index_counts.kept_count``): None (the view and statuses alone) or
    the carriers filtered on or matched by the search; ``NOT_KEPT`` when ``q`` filters on anything else."""
    rest = replace(q, view="All", statuses=(), visible_statuses=None, sort="Created At", descending=True, page=1,
                   page_size=OrderQuery.page_size, search="", carriers=())
    if q.view == "Returns" or rest != OrderQuery():
        return NOT_KEPT
    if q.search.strip():
        return matched if matched is not None and not q.carriers else NOT_KEPT
    return Carriers(list(q.carriers)) if q.carriers else None


def _searched_page(cur, filters: _Filters, q: OrderQuery, offset: int) -> tuple[pd.DataFrame, int]:
    """A search scans text columns: do it once, then count and page the matches it kept.

    The scan selects by the search and the query's filters, and tests which orders its view holds by archiving
    on the matches only, as a column ``ok``: given that condition too, DuckDB tested it on every order first (a
    name's 16,000 clients at 10,000,000 orders, side by side: 58.5 -> 53.3 ms). The other filters stay in the scan, where
    a status or a date range can be selective (moved out too, 'cote' with a status took 38 -> 46 ms)."""
    search = filters.search
    frame = fetch_frame(
        cur,
        f"""
        WITH m AS MATERIALIZED (SELECT o.order_id, o.created_at, o.status, ({filters.archiving}) AS ok
                                FROM orders o WHERE {filters.clause} AND {search.clause}),
             page AS (SELECT order_id FROM m o WHERE ok ORDER BY {_order_by(q)} LIMIT ? OFFSET ?)
        {_SELECT}, (SELECT count(*) FROM m WHERE ok) AS _total
        FROM page JOIN orders o USING (order_id) JOIN clients c USING (client_id)
        ORDER BY {_order_by(q)}
        """,
        [*filters.params, *search.params, q.page_size, offset],
    )
    if frame.empty:  # no match at all, or a page past the end (then count the matches)
        where, params = filters.where
        total = 0 if offset == 0 else fetch_value(cur, f"SELECT count(*) FROM orders o WHERE {where}", params)
        return frame.drop(columns="_total"), total
    return frame.drop(columns="_total"), int(frame["_total"].iloc[0])


def _iter_orders(cur: Cursor, q: OrderQuery, batch: int = 50_000) -> Iterator[pd.DataFrame]:
    """Every order matching ``q`` (all pages), in the index's order, a batch at a time (unchecked: for the
    export and the picking list's order ids, whose callers checked the person)."""
    q = q.validated()
    where, params, _search = _where(cur, q)
    sql = f"{_SELECT} FROM orders o JOIN clients c USING (client_id) WHERE {where} ORDER BY {_order_by(q)}"
    yield from iter_frames(cur, sql, params, batch)


def _export_csv_counted(cur: Cursor, q: OrderQuery) -> tuple[bytes, int]:
    """The whole filtered result as CSV (UTF-8 with BOM, see ``csv_text``): the index's columns as plain
    numbers, and what each policy paid; and how many orders (rows) it holds. Unchecked: pages, commands and
    tests export with ``access.export_csv_for`` (the person checked, the export recorded in the access log)."""
    side = cur.cursor()  # the batches stream from ``cur`` (on PostgreSQL: a second cursor on its connection)
    count = [0]

    def batches():
        for chunk in _iter_orders(cur, q):
            chunk = formatting.csv_frame(chunk, grams_columns=["Quantity"], money_columns=["Total Due"])
            paid = coverage_by_order(side, chunk["Order ID"].tolist())
            chunk[COVERAGE_COLUMN] = [paid.get(int(oid), "") for oid in chunk["Order ID"]]
            back = returns_by_order(side, chunk["Order ID"].tolist())
            for i, column in enumerate(RETURN_COLUMNS):
                chunk[column] = [back.get(int(oid), ("", "", ""))[i] for oid in chunk["Order ID"]]
            chunk["Returns"] = chunk["Returns"].fillna("")
            count[0] += len(chunk)
            yield chunk

    data = csv_bytes(batches(), [*INDEX_COLUMNS, COVERAGE_COLUMN, *RETURN_COLUMNS])
    return data, count[0]


def returns_by_order(cur: Cursor, order_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """Per order with a return or a refund: units returned, refunded to the client and to insurers (CSV text)."""
    if not order_ids:
        return {}
    clause, params = in_list("order_id", [int(i) for i in order_ids], "BIGINT")
    rows = cur.execute(f"SELECT order_id, units_returned, client_refunded, insurer_refunded FROM order_return_state "
                       f"WHERE {clause}", params).fetchall()
    return {oid: (str(units), formatting.money(client, csv=True), formatting.money(insurers, csv=True))
            for oid, units, client, insurers in rows}


def distinct_carriers(cur: Cursor) -> list[str]:
    return [r[0] for r in cur.execute("SELECT name FROM carriers ORDER BY name").fetchall()]
