"""Schema 8 -> 9: the app's sign-ins, so that a session can end on the server (``staff.sign_ins``).

One row per sign-in (the identity provider's claims as the app received them, hashed): when it was first
and last seen, when its ID token expires, and when and why it ended. Portable SQL: the same on both engines.
"""

from __future__ import annotations

DDL = """
CREATE TABLE IF NOT EXISTS sign_ins (
    sign_in VARCHAR PRIMARY KEY,        -- SHA-256 of the sign-in's claims (never the cookie itself)
    email VARCHAR NOT NULL,             -- lower case, as on the staff list
    started_at TIMESTAMP NOT NULL,      -- first seen by the app
    seen_at TIMESTAMP NOT NULL,         -- last activity (written at most every minute)
    expires_at TIMESTAMP,               -- the ID token's expiry (its exp claim), when there is one
    ended_at TIMESTAMP,
    ended_why VARCHAR CHECK (ended_why IN ('signed out', 'idle', 'expired', 'deactivated')),
    CHECK ((ended_at IS NULL) = (ended_why IS NULL))
);
"""


def apply(con) -> None:
    con.execute(DDL)
