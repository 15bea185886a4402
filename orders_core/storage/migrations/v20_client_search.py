"""Schema 19 -> 20: each client's searchable name and orders not archived, which a search of the Orders
index by a client's name counts from (``dialect.client_search``: a table kept by triggers on PostgreSQL,
filled here, ``storage.client_search``; nothing on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    ddl = dialect.of(con).client_search
    if ddl:
        con.execute(ddl)
