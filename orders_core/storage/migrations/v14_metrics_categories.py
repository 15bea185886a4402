"""Schema 13 -> 14: the Metrics summaries keep which product categories each order holds.

``metrics_daily_categories`` is ``metrics_daily`` with a ``categories`` column (a bit per category of
``schema.CATEGORIES``, set when the order holds a product of it), and ``metrics_daily_coverage`` gets that
column too, so a category filter is a condition on summary rows instead of a join of every matched order's
lines; ``metrics_rollup_state`` gets the fingerprint of the catalogue's categories the rows were written
with. The summaries are derived data: ``metrics_daily`` is emptied and the two others made again empty,
so the next refresh (the Metrics page's first view, ``orders-core demo``) writes every day afresh.
"""

from __future__ import annotations

from orders_core.storage import dialect

SUMMARY_TABLES = {
    "metrics_daily_categories": """created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR, status VARCHAR NOT NULL,
       shipped_on DATE, delivered_on DATE, categories INTEGER NOT NULL, orders BIGINT NOT NULL,
       versions BIGINT NOT NULL, total_due DECIMAL(18,2) NOT NULL, grams DECIMAL(18,3) NOT NULL""",
    "metrics_daily_coverage": """created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR,
       categories INTEGER NOT NULL, insurer VARCHAR NOT NULL, orders BIGINT NOT NULL,
       coverage DECIMAL(18,2) NOT NULL""",
}


def apply(con) -> None:
    for table, columns in SUMMARY_TABLES.items():  # our own names and DDL
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE TABLE {table} ({columns})")
    if dialect.of(con).summary_indexes:  # PostgreSQL: each summary's day indexed (schema 8's, and the new table's)
        con.execute(dialect.of(con).summary_indexes)
        con.execute("CREATE INDEX IF NOT EXISTS metrics_daily_categories_day ON metrics_daily_categories (created_on)")
    con.execute("DELETE FROM metrics_daily")
    con.execute("ALTER TABLE metrics_rollup_state ADD COLUMN catalogue_key VARCHAR")
