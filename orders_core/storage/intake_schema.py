"""The intake tables and columns: registration keys, medical documents' practitioner,
coverage ends, products' regulatory class, price history, client and product events, portal imports.

``INTAKE_DDL`` is part of the schema-2 baseline ``schema.DDL`` (no schema-2 database predates it), so
``migrations`` creates these tables for a new database and migration 2 creates them when it upgrades a
schema-1 database. ``INTAKE_TABLES`` joins ``schema.TABLES``. Every table has a primary key (events by
their id, prices by SKU and the moment the price took effect).

Decision: the previous system's client number lives in ``client_keys`` (its primary key) rather than
as a UNIQUE column of ``clients``: DuckDB cannot add a UNIQUE column to an existing table, and an index
on ``clients`` would block every later ``ALTER TABLE clients``. One row per client at most
(``client_id`` is UNIQUE too), so the database refuses a second client with the same number.
Likewise the practitioner's licence number and a product's regulatory class are side tables keyed
by the prescription and the SKU: existing code inserts into ``prescriptions`` and ``products``
without column lists, so new columns there would break it. When a document or policy ends early,
the end is its new ``valid_until`` and the event records the day and who ended it.
"""

from __future__ import annotations

INTAKE_DDL = """
-- Intake: registration, medical documents, coverage, catalogue, imports.
CREATE SEQUENCE IF NOT EXISTS client_event_ids START 1;
CREATE SEQUENCE IF NOT EXISTS product_event_ids START 1;
CREATE TABLE IF NOT EXISTS prescription_practitioners (
    prescription_id INTEGER PRIMARY KEY,
    practitioner_licence VARCHAR NOT NULL     -- the practitioner's licence number on the medical document
);
CREATE TABLE IF NOT EXISTS product_classes (
    sku VARCHAR PRIMARY KEY,
    regulatory_class VARCHAR NOT NULL         -- dried, fresh, edible solid, ... (orders_core.catalogue.products.CLASSES)
);
CREATE TABLE IF NOT EXISTS client_keys (
    previous_system_id VARCHAR PRIMARY KEY,   -- the client's number in the previous system
    client_id INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS client_events (
    event_id BIGINT PRIMARY KEY,
    client_id INTEGER NOT NULL,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,    -- registered, edited, approved, expired, reinstated, document added, ...
    details VARCHAR           -- what changed: "field: old -> new; ..."
);
CREATE TABLE IF NOT EXISTS product_events (
    event_id BIGINT PRIMARY KEY,
    sku VARCHAR NOT NULL,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,    -- added, edited
    details VARCHAR
);
CREATE TABLE IF NOT EXISTS product_prices (
    sku VARCHAR NOT NULL,
    unit_price DECIMAL(10,2) NOT NULL,
    effective_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    PRIMARY KEY (sku, effective_at)
);
CREATE TABLE IF NOT EXISTS portal_imports (
    portal_order_id VARCHAR PRIMARY KEY,
    order_id BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by VARCHAR NOT NULL
);
"""


INTAKE_TABLES = (
    "prescription_practitioners", "product_classes", "client_keys", "client_events", "product_events",
    "product_prices", "portal_imports",
)
