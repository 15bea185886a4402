"""Schema 10 -> 11: returns, refunds and replacements (``orders_core.returns``).

- ``order_returns`` / ``order_return_lines``: what came back of an order, line by line (``line_no`` is the
  order line's number), with the reason, the date received, who received it and what became of the units.
- ``order_refunds`` / ``order_refund_policies``: money given back: the client's share (goods and, by choice,
  shipping) and what each coverage policy that paid the order gets back.
- ``order_return_state``: one row per order with a return or a refund, which every such write updates
  first in its transaction (so two writers on one order conflict in the database), holding the running
  totals the index and the checks read (units returned against units shipped, money refunded).
- ``orders.replaces_return_id``: the return a replacement order replaces (NULL for every other order).
  The order's ``source`` stays an ENUM of the three sources: on DuckDB an ENUM column cannot change type
  while other tables' foreign keys depend on ``orders`` (it would mean rebuilding every table that
  references it), so the replacement is marked by this column on both engines instead, and shown as
  the source "Replacement".

Portable DDL: the same statements on DuckDB and PostgreSQL; no ENUM, CHECKs for the closed lists.
"""

from __future__ import annotations

REASONS = ("Damaged in transit", "Wrong product", "Product recall", "Client request",
           "Undeliverable (returned to sender)", "Other")
DISPOSITIONS = ("Quarantined for destruction", "Returned to inventory", "Returned to the processor")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


DDL = f"""
CREATE SEQUENCE IF NOT EXISTS return_ids START 1;
CREATE SEQUENCE IF NOT EXISTS refund_ids START 1;
CREATE TABLE IF NOT EXISTS order_returns (
    return_id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    received_on DATE NOT NULL,
    reason VARCHAR NOT NULL CHECK (reason IN ({_in(REASONS)})),
    note VARCHAR NOT NULL DEFAULT '',
    disposition VARCHAR NOT NULL CHECK (disposition IN ({_in(DISPOSITIONS)})),
    received_by VARCHAR NOT NULL,
    received_by_email VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    whole_order BOOLEAN NOT NULL DEFAULT FALSE,     -- returned to sender: every unit came back
    grams DECIMAL(10,3) NOT NULL DEFAULT 0 CHECK (grams >= 0)  -- dried equivalent of what came back
);
CREATE TABLE IF NOT EXISTS order_return_lines (
    return_id BIGINT NOT NULL REFERENCES order_returns (return_id),
    line_no INTEGER NOT NULL CHECK (line_no >= 1),   -- the order line's number
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    sku VARCHAR NOT NULL,
    units INTEGER NOT NULL CHECK (units > 0),
    grams DECIMAL(10,3) NOT NULL DEFAULT 0 CHECK (grams >= 0),
    PRIMARY KEY (return_id, line_no)
);
CREATE TABLE IF NOT EXISTS order_refunds (
    refund_id BIGINT PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    return_id BIGINT REFERENCES order_returns (return_id),  -- NULL: a goodwill refund
    client_amount DECIMAL(12,2) NOT NULL CHECK (client_amount >= 0),    -- goods and goodwill, to the client
    shipping_amount DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (shipping_amount >= 0),
    insurer_amount DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (insurer_amount >= 0),  -- sum of its policy rows
    method VARCHAR NOT NULL,
    reference VARCHAR NOT NULL,
    reason VARCHAR NOT NULL DEFAULT '',
    refunded_by VARCHAR NOT NULL,
    refunded_by_email VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS order_refund_policies (
    refund_id BIGINT NOT NULL REFERENCES order_refunds (refund_id),
    policy_id INTEGER NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (order_id),
    insurer VARCHAR NOT NULL,
    amount DECIMAL(12,2) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (refund_id, policy_id)
);
CREATE TABLE IF NOT EXISTS order_return_state (
    order_id BIGINT PRIMARY KEY,
    units_ordered INTEGER NOT NULL CHECK (units_ordered >= 0),
    units_returned INTEGER NOT NULL DEFAULT 0 CHECK (units_returned >= 0 AND units_returned <= units_ordered),
    returns INTEGER NOT NULL DEFAULT 0,
    refunds INTEGER NOT NULL DEFAULT 0,
    client_refunded DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (client_refunded >= 0),
    insurer_refunded DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (insurer_refunded >= 0),
    writes INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS order_returns_order ON order_returns (order_id);
CREATE INDEX IF NOT EXISTS order_refunds_order ON order_refunds (order_id);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS replaces_return_id BIGINT;
"""


def apply(con) -> None:
    for statement in DDL.split(";"):
        if statement.strip():
            con.execute(statement)
