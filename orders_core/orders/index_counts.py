"""The Orders index's counts from the counts PostgreSQL keeps, instead of counting the orders.

``order_counts`` holds the orders per archived or not and status (migration 7); ``order_carrier_counts`` the
same per carrier (migration 16, ``storage.order_summaries``). A query that filters on nothing but its view, its
statuses and perhaps carriers (a carrier filter, or a search that matched only carriers' names) is counted by
summing their rows, where counting the orders read every match (a carrier's 1,500,000 orders: 140 ms at
10,000,000 orders). DuckDB keeps none: it counts its columns (``dialect.summary_tables`` is empty there).
"""

from __future__ import annotations

from dataclasses import dataclass

from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value

NOT_KEPT = object()  # a query no kept count serves


@dataclass(frozen=True)
class Carriers:
    """The carriers a query's orders are chosen by (any of them)."""

    names: list[str]


def kept_count(cur: Cursor, view: str, statuses: list[list[str]], by: Carriers | None) -> int | None:
    """The orders of ``view`` (All, Unverified or Archived) whose status is in each list of ``statuses``, of
    the carriers ``by`` names (None: of every carrier or none), summed from the kept counts; None when they
    cannot say (an order without a carrier is kept under '', which a filter may not name)."""
    d = dialect.of(cur)
    clauses = ["o.archived" if view == "Archived" else "NOT o.archived"]
    params: list = []
    if view == "Unverified":
        clauses.append("o.status = 'Unverified'")
    for allowed in statuses:
        clauses.append(d.enum_in("o.status", "order_status"))
        params.append(list(allowed))
    table = "order_counts"
    if by is not None:
        if "" in by.names:
            return None
        table = "order_carrier_counts"
        clauses.append("o.carrier = ANY(?::VARCHAR[])")
        params.append(list(by.names))
    return int(fetch_value(cur, f"SELECT coalesce(sum(o.n), 0)::BIGINT FROM {table} o WHERE "
                           + " AND ".join(clauses), params))
