"""PostgreSQL's tables of the Metrics rows per category filter (schema 19): their names, their DDL and the fill of
each day's totals. What they hold and how they are kept is ``reports.rollup_masks``'s; DuckDB has none."""

from __future__ import annotations

BUILT = "metrics_masks"  # the filters whose rows are kept
TABLE = "metrics_daily_masks"  # their rows, a partition per filter
TOTALS = "metrics_days"  # each day's orders and versions in metrics_daily
TABLES = (BUILT, TABLE, TOTALS)

DDL = f"""
CREATE TABLE IF NOT EXISTS {BUILT} (mask INTEGER PRIMARY KEY CHECK (mask > 0), built_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS {TABLE} (
    mask INTEGER NOT NULL, created_on DATE NOT NULL, source VARCHAR NOT NULL, carrier VARCHAR,
    status VARCHAR NOT NULL, shipped_on DATE, delivered_on DATE, orders BIGINT NOT NULL, versions BIGINT NOT NULL,
    total_due DECIMAL(18,2) NOT NULL, grams DECIMAL(18,3) NOT NULL) PARTITION BY LIST (mask);
CREATE INDEX IF NOT EXISTS {TABLE}_day ON {TABLE} (created_on);
CREATE TABLE IF NOT EXISTS {TOTALS} (day DATE PRIMARY KEY, orders BIGINT NOT NULL, versions BIGINT NOT NULL);
"""
# Each day's totals summed from metrics_daily (the migration, and the demo's load after copying the summaries).
FILL_DAYS = (f"DELETE FROM {TOTALS}; INSERT INTO {TOTALS} "
             "SELECT created_on, sum(orders), sum(versions) FROM metrics_daily GROUP BY created_on;")
