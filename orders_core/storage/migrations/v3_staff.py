"""Schema 2 -> 3: the staff list, its history and the one row every staff change updates."""

from __future__ import annotations

from orders_core.rules.roles import ROLES

DDL = f"""
CREATE TABLE IF NOT EXISTS staff (
    email VARCHAR PRIMARY KEY,          -- lower case; the identity provider's email claim
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ({", ".join("'" + r + "'" for r in ROLES)})),
    active BOOLEAN NOT NULL,
    version INTEGER NOT NULL,           -- the staff_history row this row is
    changed_by VARCHAR NOT NULL,        -- email of who made this version
    changed_by_name VARCHAR NOT NULL,   -- their name then
    changed_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staff_history (
    email VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    active BOOLEAN NOT NULL,
    change VARCHAR NOT NULL,            -- one sentence: what this version changed
    changed_by VARCHAR NOT NULL,
    changed_by_name VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (email, version)
);

-- One row every staff change updates: concurrent changes conflict and are retried.
CREATE TABLE IF NOT EXISTS staff_revision (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    revision BIGINT NOT NULL
);
INSERT INTO staff_revision VALUES (TRUE, 0) ON CONFLICT DO NOTHING;
"""


def apply(con) -> None:
    con.execute(DDL)
