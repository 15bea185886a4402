"""Schema 7 -> 8: the Metrics page's daily summaries of the orders (``reports.rollup``), empty until their
first refresh, and the one row every refresh updates."""

from __future__ import annotations

from orders_core.storage import dialect

SUMMARY_TABLES = {
    "metrics_daily": """created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR, status VARCHAR NOT NULL,
       shipped_on DATE, delivered_on DATE, orders BIGINT NOT NULL, versions BIGINT NOT NULL,
       total_due DECIMAL(18,2) NOT NULL, grams DECIMAL(18,3) NOT NULL""",
    "metrics_daily_products": "created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR, sku VARCHAR NOT NULL, units BIGINT NOT NULL",
    "metrics_daily_coverage": """created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR, insurer VARCHAR NOT NULL,
       orders BIGINT NOT NULL, coverage DECIMAL(18,2) NOT NULL""",
}


def apply(con) -> None:
    for table, columns in SUMMARY_TABLES.items():  # our own names and DDL
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    if dialect.of(con).summary_indexes:
        con.execute(dialect.of(con).summary_indexes)
    con.execute("CREATE TABLE IF NOT EXISTS metrics_rollup_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "refreshed_at TIMESTAMP, days_refreshed BIGINT NOT NULL DEFAULT 0)")
    con.execute("INSERT INTO metrics_rollup_state (id) VALUES (1) ON CONFLICT (id) DO NOTHING")
