"""Whether a database holds demo data: ``orders-core demo`` says so in ``app_meta`` (key ``demo``).

The mark is what lets ``python -m orders_core.serve`` start the demo sign-in (anyone on this machine may
sign in as one of the four demo people) when no identity provider is configured: a database made any
other way (``orders-core init``, a restored backup of a real one) never has it, so real personal
information is never behind the demo sign-in. Decision: the mark is a row, not a schema change; it holds
when the demo was made (UTC, ISO 8601), for the record. Nothing in the app or the commands removes it,
and nothing but ``orders-core demo`` writes it.
"""

from __future__ import annotations

import datetime as dt

from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value

DEMO_KEY = "demo"


def mark_demo(cur: Cursor, at: dt.datetime | None = None) -> None:
    """Record that the database ``cur`` is on holds demo data (``orders-core demo`` only)."""
    made = (at or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    cur.execute("INSERT INTO app_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [DEMO_KEY, made])


def is_demo(cur: Cursor) -> bool:
    """Whether ``orders-core demo`` made this database."""
    return fetch_value(cur, "SELECT count(*) FROM app_meta WHERE key = ?", [DEMO_KEY]) == 1
