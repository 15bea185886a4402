"""Schema 4 -> 5: the search's indexes and the pages' lookups (on PostgreSQL; none on DuckDB)."""

from __future__ import annotations

from orders_core.storage import dialect


def apply(con) -> None:
    """the indexes the search uses where the engine has them (``dialect.search_indexes``:
    trigram indexes on PostgreSQL, nothing on DuckDB), the pages' lookups (``dialect.lookup_indexes``) and the
    Metrics page's date ranges (``dialect.metrics_indexes``): B-tree indexes on PostgreSQL, nothing on DuckDB."""
    sql = dialect.of(con)
    ddl = sql.search_indexes + sql.lookup_indexes + sql.metrics_indexes
    if ddl:
        con.execute(ddl)
