"""The order's event history: one row per change, with who (as they are now) and what. Nothing is deleted."""

from __future__ import annotations

from orders_core.rules.roles import Person
from orders_core.storage.cursor import Cursor


def record_event(
    cur: Cursor, order_id: int, actor: Person, kind: str, details: str = ""
) -> None:
    """Append one row to the order's event history (inside the caller's transaction): who (name and
    e-mail as they are now), what."""
    cur.execute(
        "INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email) "
        "VALUES (nextval('event_ids'), ?, now()::TIMESTAMP, ?, ?, ?, ?)",
        [order_id, actor.name, kind, details, actor.email],
    )
