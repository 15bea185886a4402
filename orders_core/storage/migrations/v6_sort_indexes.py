"""Schema 5 -> 6: the Orders index's sort and count indexes (on PostgreSQL; none on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    """the indexes that serve the index's sorts and counts where the engine needs them
    (``dialect.sort_indexes``: partial B-tree indexes on PostgreSQL, nothing on DuckDB)."""
    ddl = dialect.of(con).sort_indexes
    if ddl:
        con.execute(ddl)
