"""Schema 18 -> 19: PostgreSQL's Metrics rows per category filter (``reports.rollup_masks``): the rows of
``metrics_daily``'s shape over the orders holding one of a filter's categories, one set per filter that was
ever viewed (``metrics_masks``), written on its first view and by every refresh after, a partition per
filter (made by its first view); and each day's
orders and versions in ``metrics_daily`` (``metrics_days``, filled here), which the check for stale days
reads instead of summing ``metrics_daily`` (70 ms at 10,000,000 orders). Nothing on DuckDB, which reads
the categories' daily rows in a quarter of a second at 10,000,000 orders and sums its days in a few ms."""

from __future__ import annotations

from orders_core.storage import dialect

DDL = """
CREATE TABLE IF NOT EXISTS metrics_masks (mask INTEGER PRIMARY KEY CHECK (mask > 0), built_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS metrics_daily_masks (
    mask INTEGER NOT NULL, created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR,
    status VARCHAR NOT NULL, shipped_on DATE, delivered_on DATE, orders BIGINT NOT NULL, versions BIGINT NOT NULL,
    total_due DECIMAL(18,2) NOT NULL, grams DECIMAL(18,3) NOT NULL) PARTITION BY LIST (mask);
CREATE INDEX IF NOT EXISTS metrics_daily_masks_day ON metrics_daily_masks (created_on);
CREATE TABLE IF NOT EXISTS metrics_days (day DATE PRIMARY KEY, orders BIGINT NOT NULL, versions BIGINT NOT NULL);
"""
FILL_DAYS = ("DELETE FROM metrics_days; INSERT INTO metrics_days "
             "SELECT created_on, sum(orders), sum(versions) FROM metrics_daily GROUP BY created_on;")


def apply(con) -> None:
    if dialect.of(con).metrics_masks_tables:
        con.execute(DDL)
        con.execute(FILL_DAYS)
