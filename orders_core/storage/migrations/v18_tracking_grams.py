"""Schema 17 -> 18: the signatures of the orders' tracking numbers, which a DuckDB search for a piece of one
reads before any text (``storage.tracking_grams``: a table written here and kept by the two writes that set
a tracking number; nothing on PostgreSQL, whose trigram index serves the search)."""

from __future__ import annotations

from orders_core.storage import dialect, tracking_grams


def apply(con) -> None:
    if dialect.of(con).tracking_grams_tables:
        con.execute(tracking_grams.DDL)
        tracking_grams.fill(con)
