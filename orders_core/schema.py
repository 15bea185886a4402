"""The database schema for the whole Orders domain.

Money is DECIMAL(12,2); grams are DECIMAL(10,3). Nothing is deleted: orders carry an
``archived_at`` flag and every change is an ``order_events`` row.
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 1

STATUSES = ("Unverified", "Open", "Order Placed", "Shipped", "Delivered", "Cancelled")
SOURCES = ("Client Portal", "CSR", "Recurring")
REGISTRATION_STATUSES = ("Pending Verification", "Approved", "Expired")
CATEGORIES = ("Dried flower", "Oil", "Capsules", "Pre-rolls", "Accessory")
CARRIERS = ("Canada Post", "Purolator", "UPS", "FedEx", "Canpar", "Loomis Express")


def _enum(values: tuple[str, ...]) -> str:
    return "ENUM (" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


DDL = f"""
CREATE TYPE IF NOT EXISTS order_status AS {_enum(STATUSES)};
CREATE TYPE IF NOT EXISTS order_source AS {_enum(SOURCES)};
CREATE TYPE IF NOT EXISTS registration_status AS {_enum(REGISTRATION_STATUSES)};
CREATE TYPE IF NOT EXISTS product_category AS {_enum(CATEGORIES)};

CREATE TABLE IF NOT EXISTS app_meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE SEQUENCE IF NOT EXISTS client_ids START 1001;
CREATE SEQUENCE IF NOT EXISTS order_ids START 100001;
CREATE SEQUENCE IF NOT EXISTS event_ids START 1;
CREATE SEQUENCE IF NOT EXISTS prescription_ids START 1;
CREATE SEQUENCE IF NOT EXISTS policy_ids START 1;
CREATE SEQUENCE IF NOT EXISTS recurring_ids START 1;
CREATE SEQUENCE IF NOT EXISTS picking_list_ids START 1;

CREATE TABLE IF NOT EXISTS carriers (name VARCHAR PRIMARY KEY);

CREATE TABLE IF NOT EXISTS clients (
    client_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    name_key VARCHAR NOT NULL,          -- lower(strip_accents(name)), for search
    date_of_birth DATE NOT NULL,
    email VARCHAR,
    phone VARCHAR,
    address_line1 VARCHAR NOT NULL,     -- the shipping address on the registration document
    address_line2 VARCHAR,
    city VARCHAR NOT NULL,
    province VARCHAR NOT NULL,
    postal_code VARCHAR NOT NULL,
    registration_status registration_status NOT NULL,
    registered_on DATE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS prescriptions (
    prescription_id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL,
    grams_per_day DECIMAL(6,2) NOT NULL,
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    prescriber VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE IF NOT EXISTS coverage_policies (
    policy_id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL,
    insurer VARCHAR NOT NULL,           -- an insurer's name, or 'Veterans Affairs Canada'
    share DECIMAL(5,4) NOT NULL,        -- the share of covered products' price the policy pays
    max_dollars_per_period DECIMAL(12,2),
    max_grams_per_period DECIMAL(10,3),
    valid_from DATE NOT NULL,
    valid_until DATE,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE IF NOT EXISTS products (
    sku VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    brand VARCHAR NOT NULL,
    category product_category NOT NULL,
    is_cannabis BOOLEAN NOT NULL,
    net_content DECIMAL(10,3) NOT NULL,
    net_unit VARCHAR NOT NULL,          -- g, mL, capsules, units
    dried_equiv_grams DECIMAL(10,3) NOT NULL,  -- per unit; 0 for accessories
    unit_price DECIMAL(10,2) NOT NULL,
    lot_number VARCHAR NOT NULL,
    bin_location VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE IF NOT EXISTS orders (
    order_id BIGINT PRIMARY KEY,
    client_id INTEGER NOT NULL,
    source order_source NOT NULL,
    placed_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status order_status NOT NULL,
    subtotal DECIMAL(12,2) NOT NULL,
    line_discount_total DECIMAL(12,2) NOT NULL DEFAULT 0,
    order_discount DECIMAL(12,2) NOT NULL DEFAULT 0,
    coverage_amount DECIMAL(12,2) NOT NULL DEFAULT 0,
    shipping_charge DECIMAL(12,2) NOT NULL DEFAULT 0,
    total_due DECIMAL(12,2) NOT NULL,
    grams DECIMAL(10,3),                -- NULL when the order holds no cannabis
    carrier VARCHAR,
    tracking_number VARCHAR,
    shipped_on DATE,
    delivered_on DATE,
    payment_method VARCHAR,
    payment_reference VARCHAR,
    return_policy_agreed BOOLEAN NOT NULL DEFAULT FALSE,
    cancel_reason VARCHAR,
    archived_at TIMESTAMP,
    archive_batch VARCHAR,
    recurring_order_id INTEGER,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS order_lines (
    order_id BIGINT NOT NULL,
    line_no INTEGER NOT NULL,
    sku VARCHAR NOT NULL,
    units INTEGER NOT NULL,
    unit_price DECIMAL(10,2) NOT NULL,
    line_discount DECIMAL(12,2) NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS recurring_orders (
    recurring_order_id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL,
    carrier VARCHAR,
    enabled BOOLEAN NOT NULL,
    schedule VARCHAR NOT NULL DEFAULT 'period',   -- 'period' or 'day_of_month'
    day_of_month INTEGER,
    next_order_on DATE,
    last_generated_order_id BIGINT,
    last_skip_reason VARCHAR,
    last_skip_at TIMESTAMP,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS recurring_order_lines (
    recurring_order_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    sku VARCHAR NOT NULL,
    units INTEGER NOT NULL
);

-- Recurring generation: one row per template and period it generated (the key makes a rerun a no-op).
CREATE TABLE IF NOT EXISTS recurring_generations (
    recurring_order_id INTEGER NOT NULL,
    period_start DATE NOT NULL,         -- the prescription period start or the scheduled day of the month
    generated_at TIMESTAMP NOT NULL,
    generated_by VARCHAR NOT NULL,
    shipments INTEGER NOT NULL,
    PRIMARY KEY (recurring_order_id, period_start)
);

CREATE TABLE IF NOT EXISTS recurring_generated_orders (
    order_id BIGINT PRIMARY KEY,
    recurring_order_id INTEGER NOT NULL,
    period_start DATE NOT NULL,
    shipment_no INTEGER NOT NULL        -- 1..n when a month over 150 g ships in several orders
);

CREATE TABLE IF NOT EXISTS recurring_skips (
    recurring_order_id INTEGER NOT NULL,
    period_start DATE NOT NULL,
    skipped_at TIMESTAMP NOT NULL,
    skipped_by VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    PRIMARY KEY (recurring_order_id, period_start)
);

CREATE TABLE IF NOT EXISTS recurring_events (
    recurring_order_id INTEGER NOT NULL,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- created, edited
    details VARCHAR
);

CREATE TABLE IF NOT EXISTS order_events (
    event_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- created, verified, status, archived, unarchived, edited, ...
    details VARCHAR                     -- human-readable: what changed
);

-- The lines an Edit replaced (orders_core.lifecycle.edit_order), so no line is ever lost.
CREATE TABLE IF NOT EXISTS order_line_history (
    order_id BIGINT NOT NULL,
    line_no INTEGER NOT NULL,
    sku VARCHAR NOT NULL,
    units INTEGER NOT NULL,
    unit_price DECIMAL(10,2) NOT NULL,
    line_discount DECIMAL(12,2) NOT NULL,
    replaced_at TIMESTAMP NOT NULL,
    replaced_by VARCHAR NOT NULL,
    order_version INTEGER NOT NULL      -- the order's version the lines belonged to
);

CREATE TABLE IF NOT EXISTS picking_lists (
    picking_list_id INTEGER PRIMARY KEY,
    generated_at TIMESTAMP NOT NULL,
    generated_by VARCHAR NOT NULL,
    order_ids BIGINT[] NOT NULL
);
ALTER TABLE picking_lists ADD COLUMN IF NOT EXISTS licence_holder VARCHAR;

-- What a picking list printed, line by line, as it was when generated (orders.picking).
CREATE TABLE IF NOT EXISTS picking_list_lines (
    picking_list_id INTEGER NOT NULL,
    order_id BIGINT NOT NULL,
    line_no INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    client_name VARCHAR NOT NULL,
    address_line1 VARCHAR NOT NULL,
    address_line2 VARCHAR,
    city VARCHAR NOT NULL,
    province VARCHAR NOT NULL,
    postal_code VARCHAR NOT NULL,
    carrier VARCHAR,
    grams_per_day DECIMAL(6,2),         -- the client's active prescription then; NULL if none
    sku VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    brand VARCHAR NOT NULL,
    is_cannabis BOOLEAN NOT NULL,
    lot_number VARCHAR NOT NULL,
    bin_location VARCHAR NOT NULL,
    units INTEGER NOT NULL,
    grams DECIMAL(10,3) NOT NULL        -- dried-cannabis equivalent of the line; 0 for accessories
);
"""


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet and record the schema version."""
    con.execute(DDL)
    con.executemany("INSERT OR IGNORE INTO carriers VALUES (?)", [[c] for c in CARRIERS])
    con.execute(
        "INSERT OR REPLACE INTO app_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )
