"""Schema 14 -> 15: each created day's orders and version sum, which say which Metrics summaries are stale
(``dialect.order_days``: a table kept by triggers on PostgreSQL, filled here; nothing on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    ddl = dialect.of(con).order_days
    if ddl:
        con.execute(ddl)
