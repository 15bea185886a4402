"""The database schema for the whole Orders domain (schema 2; ``migrations`` creates and upgrades it).

Money is DECIMAL(12,2); grams are DECIMAL(10,3). Nothing is deleted: orders carry an
``archived_at`` flag and every change is an ``order_events`` row; an Edit moves the lines it
replaces to ``order_line_history``. What each coverage policy pays of an order is an
``order_coverage`` row (``orders.coverage_amount`` is their sum).

The schema refuses bad rows: every table has a primary key (order lines, coverage rows, events,
template lines, line history and picking-list lines included), CHECK constraints keep units > 0
(template lines >= 0: 0 marks a line taken off a template), prices, money and grams >= 0, a
coverage share between 0 and 1 and valid_until >= valid_from, and foreign keys tie every row to
its order, client, product, policy, template or picking list.

Foreign keys left out, because of DuckDB 2.0's foreign-key limitation: a row that another table
references cannot have an indexed column updated (DuckDB turns the update into a delete and an
insert, and refuses it while the row is referenced), and a foreign key indexes its columns:
- ``orders.carrier`` and ``recurring_orders.carrier`` (no FK to ``carriers``): an Edit or a template
  save changes the carrier of a row that lines and events reference. ``orders-core check`` lists
  unknown carriers instead.
- ``recurring_orders.last_generated_order_id`` (no FK to ``orders``): every generation run updates it.
- ``picking_list_lines.client_id`` and ``.sku`` (no FK): the lines are a snapshot of what was printed.
- ``picking_lists.order_ids`` is a list column: the same limitation forbids updating it (it never is).
``schema.DDL`` is frozen at schema 2: change the schema with a migration (``migrations.MIGRATIONS``).
"""

from __future__ import annotations

from orders_core.storage.dialect import DUCKDB, Dialect
from orders_core.storage.intake_schema import INTAKE_DDL, INTAKE_TABLES

STATUSES = ("Unverified", "Open", "Order Placed", "Shipped", "Delivered", "Cancelled")
SOURCES = ("Client Portal", "CSR", "Recurring")
REGISTRATION_STATUSES = ("Pending Verification", "Approved", "Expired")
CATEGORIES = ("Dried flower", "Oil", "Capsules", "Pre-rolls", "Accessory")
CARRIERS = ("Canada Post", "Purolator", "UPS", "FedEx", "Canpar", "Loomis Express")


def ddl(d: Dialect) -> str:
    """The baseline schema in ``d``'s SQL: the same tables, keys and checks; only the ENUM types' DDL differs."""
    enums = "\n".join(d.create_enum(name, values) for name, values in ENUMS)
    return "\n" + enums + _TABLES_DDL


ENUMS = (("order_status", STATUSES), ("order_source", SOURCES), ("registration_status", REGISTRATION_STATUSES),
         ("product_category", CATEGORIES))

_TABLES_DDL = """

CREATE TABLE IF NOT EXISTS app_meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE SEQUENCE IF NOT EXISTS client_ids START 1001;
CREATE SEQUENCE IF NOT EXISTS order_ids START 100001;
CREATE SEQUENCE IF NOT EXISTS event_ids START 1;
CREATE SEQUENCE IF NOT EXISTS prescription_ids START 1;
CREATE SEQUENCE IF NOT EXISTS policy_ids START 1;
CREATE SEQUENCE IF NOT EXISTS recurring_ids START 1;
CREATE SEQUENCE IF NOT EXISTS picking_list_ids START 1;
CREATE SEQUENCE IF NOT EXISTS recurring_event_ids START 1;

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
    client_id INTEGER NOT NULL REFERENCES clients (client_id),
    grams_per_day DECIMAL(6,2) NOT NULL CHECK (grams_per_day > 0),
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    prescriber VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (valid_until >= valid_from)
);

CREATE TABLE IF NOT EXISTS coverage_policies (
    policy_id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (client_id),
    insurer VARCHAR NOT NULL,           -- an insurer's name, or 'Veterans Affairs Canada'
    share DECIMAL(5,4) NOT NULL CHECK (share BETWEEN 0 AND 1),  -- the share of covered products' price it pays
    max_dollars_per_period DECIMAL(12,2) CHECK (max_dollars_per_period >= 0),
    max_grams_per_period DECIMAL(10,3) CHECK (max_grams_per_period >= 0),
    valid_from DATE NOT NULL,
    valid_until DATE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
);

CREATE TABLE IF NOT EXISTS products (
    sku VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    brand VARCHAR NOT NULL,
    category product_category NOT NULL,
    is_cannabis BOOLEAN NOT NULL,
    net_content DECIMAL(10,3) NOT NULL CHECK (net_content >= 0),
    net_unit VARCHAR NOT NULL,          -- g, mL, capsules, units
    dried_equiv_grams DECIMAL(10,3) NOT NULL CHECK (dried_equiv_grams >= 0),  -- per unit; 0 for accessories
    unit_price DECIMAL(10,2) NOT NULL CHECK (unit_price >= 0),
    lot_number VARCHAR NOT NULL,
    bin_location VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE IF NOT EXISTS recurring_orders (
    recurring_order_id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL UNIQUE REFERENCES clients (client_id),  -- one template per client
    carrier VARCHAR,                    -- no FK: see the module docstring
    enabled BOOLEAN NOT NULL,
    schedule VARCHAR NOT NULL DEFAULT 'period' CHECK (schedule IN ('period', 'day_of_month')),
    day_of_month INTEGER CHECK (day_of_month BETWEEN 1 AND 31),
    next_order_on DATE,
    last_generated_order_id BIGINT,     -- no FK: see the module docstring
    last_skip_reason VARCHAR,
    last_skip_at TIMESTAMP,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
    order_id BIGINT PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients (client_id),
    source order_source NOT NULL,
    placed_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status order_status NOT NULL,
    subtotal DECIMAL(12,2) NOT NULL CHECK (subtotal >= 0),
    line_discount_total DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (line_discount_total >= 0),
    order_discount DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (order_discount >= 0),
    coverage_amount DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (coverage_amount >= 0),
    shipping_charge DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (shipping_charge >= 0),
    total_due DECIMAL(12,2) NOT NULL CHECK (total_due >= 0),
    grams DECIMAL(10,3) CHECK (grams >= 0),  -- NULL when the order holds no cannabis
    carrier VARCHAR,                    -- no FK: see the module docstring
    tracking_number VARCHAR,
    shipped_on DATE,
    delivered_on DATE,
    payment_method VARCHAR,
    payment_reference VARCHAR,
    return_policy_agreed BOOLEAN NOT NULL DEFAULT FALSE,
    cancel_reason VARCHAR,
    archived_at TIMESTAMP,
    archive_batch VARCHAR,
    recurring_order_id INTEGER REFERENCES recurring_orders (recurring_order_id),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS order_lines (
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    sku VARCHAR NOT NULL REFERENCES products (sku),
    units INTEGER NOT NULL CHECK (units > 0),
    unit_price DECIMAL(10,2) NOT NULL CHECK (unit_price >= 0),
    line_discount DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (line_discount >= 0),
    PRIMARY KEY (order_id, line_no),
    CHECK (line_discount <= units * unit_price)
);

-- What each coverage policy pays of an order (orders.coverage_amount is their sum).
CREATE TABLE IF NOT EXISTS order_coverage (
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    policy_id INTEGER NOT NULL REFERENCES coverage_policies (policy_id),
    insurer VARCHAR NOT NULL,           -- the policy's insurer when the amount was written
    amount DECIMAL(12,2) NOT NULL CHECK (amount >= 0),
    grams DECIMAL(10,3) NOT NULL CHECK (grams >= 0),  -- the grams the policy paid for
    note VARCHAR NOT NULL DEFAULT '',   -- why it paid less than its share (a period maximum), if it did
    PRIMARY KEY (order_id, policy_id)
);

CREATE TABLE IF NOT EXISTS recurring_order_lines (
    recurring_order_id INTEGER NOT NULL REFERENCES recurring_orders (recurring_order_id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),
    sku VARCHAR NOT NULL REFERENCES products (sku),
    units INTEGER NOT NULL CHECK (units >= 0),  -- 0: a line taken off the template (nothing is deleted)
    PRIMARY KEY (recurring_order_id, line_no)
);

-- Recurring generation: one row per template and period it generated (the key makes a rerun a no-op).
CREATE TABLE IF NOT EXISTS recurring_generations (
    recurring_order_id INTEGER NOT NULL REFERENCES recurring_orders (recurring_order_id),
    period_start DATE NOT NULL,         -- the prescription period start or the scheduled day of the month
    generated_at TIMESTAMP NOT NULL,
    generated_by VARCHAR NOT NULL,
    shipments INTEGER NOT NULL CHECK (shipments >= 0),
    PRIMARY KEY (recurring_order_id, period_start)
);

CREATE TABLE IF NOT EXISTS recurring_generated_orders (
    order_id BIGINT PRIMARY KEY REFERENCES orders (order_id),
    recurring_order_id INTEGER NOT NULL REFERENCES recurring_orders (recurring_order_id),
    period_start DATE NOT NULL,
    shipment_no INTEGER NOT NULL CHECK (shipment_no >= 1)  -- 1..n when a month over 150 g ships in several orders
);

CREATE TABLE IF NOT EXISTS recurring_skips (
    recurring_order_id INTEGER NOT NULL REFERENCES recurring_orders (recurring_order_id),
    period_start DATE NOT NULL,
    skipped_at TIMESTAMP NOT NULL,
    skipped_by VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    PRIMARY KEY (recurring_order_id, period_start)
);

CREATE TABLE IF NOT EXISTS recurring_events (
    recurring_order_id INTEGER NOT NULL REFERENCES recurring_orders (recurring_order_id),
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- created, edited
    details VARCHAR,
    event_id BIGINT PRIMARY KEY         -- nextval('recurring_event_ids')
);

CREATE TABLE IF NOT EXISTS order_events (
    event_id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- created, verified, status, archived, unarchived, edited, ...
    details VARCHAR                     -- human-readable: what changed
);

-- The lines an Edit replaced (orders_core.orders.lifecycle.edit_order), so no line is ever lost.
CREATE TABLE IF NOT EXISTS order_line_history (
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    line_no INTEGER NOT NULL,
    sku VARCHAR NOT NULL REFERENCES products (sku),
    units INTEGER NOT NULL CHECK (units > 0),
    unit_price DECIMAL(10,2) NOT NULL CHECK (unit_price >= 0),
    line_discount DECIMAL(12,2) NOT NULL CHECK (line_discount >= 0),
    replaced_at TIMESTAMP NOT NULL,
    replaced_by VARCHAR NOT NULL,
    order_version INTEGER NOT NULL,     -- the order's version the lines belonged to
    PRIMARY KEY (order_id, order_version, line_no)
);

CREATE TABLE IF NOT EXISTS picking_lists (
    picking_list_id INTEGER PRIMARY KEY,
    generated_at TIMESTAMP NOT NULL,
    generated_by VARCHAR NOT NULL,
    order_ids BIGINT[] NOT NULL,        -- never updated: see the module docstring
    licence_holder VARCHAR
);

-- What a picking list printed, line by line, as it was when generated (orders.picking).
CREATE TABLE IF NOT EXISTS picking_list_lines (
    picking_list_id INTEGER NOT NULL REFERENCES picking_lists (picking_list_id),
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
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
    units INTEGER NOT NULL CHECK (units > 0),
    grams DECIMAL(10,3) NOT NULL CHECK (grams >= 0),  -- dried-cannabis equivalent of the line; 0 for accessories
    PRIMARY KEY (picking_list_id, order_id, line_no)
);

-- One row per client and prescription period that every write adding or changing grams updates in its
-- transaction, so concurrent writers conflict (orders_core.orders.allowance_ledger).
CREATE TABLE IF NOT EXISTS allowance_ledger (
    client_id INTEGER NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    allowance DECIMAL(10,3) NOT NULL,   -- grams allowed in the period (30 x grams per day)
    grams DECIMAL(10,3) NOT NULL,       -- grams the period counts after the latest write
    writes INTEGER NOT NULL,            -- writes that held the row (each one updates it)
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, period_start)
);
""" + INTAKE_DDL

DDL = ddl(DUCKDB)  # frozen at schema 2 (see the module docstring)

# Tables in the order their foreign keys allow creating them (a table after those it references).
TABLES = (
    "app_meta", "carriers", "clients", "prescriptions", "coverage_policies", "products", "recurring_orders",
    "orders", "order_lines", "order_coverage", "recurring_order_lines", "recurring_generations",
    "recurring_generated_orders", "recurring_skips", "recurring_events", "order_events",
    "order_line_history", "picking_lists", "picking_list_lines", "allowance_ledger",
) + INTAKE_TABLES
