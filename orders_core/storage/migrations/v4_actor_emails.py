"""Schema 3 -> 4: the acting person's e-mail beside every recorded name."""

from __future__ import annotations

from orders_core.storage.actor_columns import COLUMNS
from orders_core.storage.cursor import Cursor


def apply(con: Cursor) -> None:
    """Schema 3 -> 4: an e-mail column beside every recorded name (inside the migration's transaction)."""
    for table, _name, email in COLUMNS:  # our own names, never user text
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {email} VARCHAR")
