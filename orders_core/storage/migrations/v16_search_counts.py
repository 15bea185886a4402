"""Schema 15 -> 16: each client's and each carrier's orders, archived or not, per status, which the Orders
index counts its searches and carrier filters from (``dialect.search_counts``: tables kept by triggers on
PostgreSQL, filled here, ``storage.order_summaries``; nothing on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    ddl = dialect.of(con).search_counts
    if ddl:
        con.execute(ddl)
