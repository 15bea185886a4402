"""Schema 6 -> 7: the per-status count of orders the index reads (kept by triggers on PostgreSQL; none on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    """the per-status summary the unfiltered views are counted from where the engine needs it
    (``dialect.order_counts``: a table kept by triggers on PostgreSQL, nothing on DuckDB)."""
    ddl = dialect.of(con).order_counts
    if ddl:
        con.execute(ddl)
