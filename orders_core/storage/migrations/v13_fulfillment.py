"""Schema -> 13: fulfillment's records: label prints, the packing station's scans and shipping manifests.

- ``label_prints``: one row per order in each print of client labels (who, when, which stock, how many
  labels, whether it was a reprint). The order's history also gets an event (``fulfillment.labels``).
- ``pack_scans``: one row per unit scanned into an order's parcel at the packing station (who, when, what
  was scanned, which SKU and, for a label, which unit), numbered per order; with its event it answers
  "who packed order N, and when" (``fulfillment.packing``).
- ``manifests``: one row per end-of-day manifest printed (carrier, day, parcels, units, who, when).

Only inserted, never updated. Portable DDL: the same statements on DuckDB and PostgreSQL.
"""

from __future__ import annotations

DDL = """
CREATE SEQUENCE IF NOT EXISTS label_print_ids START 1;
CREATE TABLE IF NOT EXISTS label_prints (
    print_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    printed_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    actor_email VARCHAR NOT NULL,
    stock VARCHAR NOT NULL,
    labels INTEGER NOT NULL CHECK (labels >= 0),
    reprint BOOLEAN NOT NULL,
    PRIMARY KEY (print_id, order_id)
);
CREATE TABLE IF NOT EXISTS pack_scans (
    order_id BIGINT NOT NULL,
    scan_no INTEGER NOT NULL CHECK (scan_no >= 1),
    scanned_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    actor_email VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    sku VARCHAR NOT NULL,
    unit_no INTEGER,
    PRIMARY KEY (order_id, scan_no)
);
CREATE SEQUENCE IF NOT EXISTS manifest_ids START 1;
CREATE TABLE IF NOT EXISTS manifests (
    manifest_id BIGINT PRIMARY KEY,
    carrier VARCHAR NOT NULL,
    ship_day DATE NOT NULL,
    made_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    actor_email VARCHAR NOT NULL,
    parcels INTEGER NOT NULL CHECK (parcels >= 0),
    units INTEGER NOT NULL CHECK (units >= 0)
);
"""


def apply(con) -> None:
    for statement in DDL.split(";"):
        if statement.strip():
            con.execute(statement)
