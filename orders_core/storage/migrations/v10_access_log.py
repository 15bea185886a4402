"""Schema 9 -> 10: the access log (``staff.access_log``): who opened which client's profile, which order,
which report, and every export.

One row per access, only ever inserted. On PostgreSQL triggers refuse every UPDATE and DELETE of a row,
whoever runs them (the app's own database user included); on DuckDB, where whoever holds the file holds
everything, the app simply has no statement that changes or deletes a row. TRUNCATE is not refused: loading
a new, empty PostgreSQL database (``storage.bulk_load``, ``orders-core demo``) empties every table first.
"""

from __future__ import annotations

from orders_core.storage import dialect

KINDS = ("client profile", "order", "report", "export")

DDL = f"""
CREATE SEQUENCE IF NOT EXISTS access_log_ids START 1;
CREATE TABLE IF NOT EXISTS access_log (
    access_id BIGINT PRIMARY KEY,       -- in the order the accesses were recorded
    accessed_at TIMESTAMP NOT NULL,
    actor_email VARCHAR NOT NULL,       -- who: their e-mail on the staff list
    actor VARCHAR NOT NULL,             -- their name then
    role VARCHAR NOT NULL,              -- their role then
    kind VARCHAR NOT NULL CHECK (kind IN ({", ".join("'" + k + "'" for k in KINDS)})),
    client_id INTEGER,                  -- whose personal information, when one client's
    order_id BIGINT,                    -- which order (kind 'order')
    what VARCHAR,                       -- which report or export ('Metrics', 'Orders CSV')
    filters VARCHAR,                    -- a report's or an export's filters, in words
    row_count BIGINT                    -- an export's rows
);
"""

POSTGRES_GUARD = """
CREATE INDEX IF NOT EXISTS access_log_client ON access_log (client_id, access_id);
CREATE INDEX IF NOT EXISTS access_log_actor ON access_log (actor_email, accessed_at);
CREATE INDEX IF NOT EXISTS access_log_at ON access_log (accessed_at);
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: its rows cannot be changed or deleted';
END $$;
DROP TRIGGER IF EXISTS access_log_no_change ON access_log;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
"""


def apply(con) -> None:
    con.execute(DDL)
    if dialect.of(con) is dialect.POSTGRES:
        con.execute(POSTGRES_GUARD)
