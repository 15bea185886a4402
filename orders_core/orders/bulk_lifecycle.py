"""Mark as Shipped / Mark as Delivered for many orders at once (a carrier's file, ``fulfillment.bulk_ship``).

The checks and writes of ``lifecycle.ship_order`` / ``lifecycle.deliver_order`` (status, archive, dates,
carrier, tracking; version + 1, one 'status' event each, the same words: the refusal sentences and event
details are ``lifecycle``'s own functions), set-based in the caller's transaction: thousands of orders,
all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from orders_core.orders.lifecycle import (
    ROLE_ACTIONS,
    TRANSITIONS,
    StaleOrder,
    day_refusal,
    delivered_details,
    no_order,
    shipped_details,
    status_refusal,
    tracking_refusal,
    unknown_carrier,
)
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage import dialect, tracking_grams
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_value

_DAY_WORD = {"Mark as Shipped": "shipped-on", "Mark as Delivered": "delivered-on"}


@dataclass(frozen=True)
class BulkItem:
    row: int  # the file's row, for the problem report
    order_id: int
    day: dt.date
    carrier: str = ""
    tracking: str = ""


def bulk_problems(cur: Cursor, action: str, items: Sequence[BulkItem], today: dt.date) -> list[tuple[int, str]]:
    """(row, sentence) for every item ``action`` refuses, as the one-order action says it; the items stay
    staged (``bulk_items``) for ``apply_bulk`` in the same transaction."""
    ship, word = action == "Mark as Shipped", _DAY_WORD[action]
    frame = pd.DataFrame({
        "row_no": pd.array([it.row for it in items], dtype="int64"),
        "order_id": pd.array([it.order_id for it in items], dtype="int64"),
        **{c: pd.array(v, dtype="str") for c, v in (
            ("day", [it.day.isoformat() for it in items]), ("carrier", [it.carrier for it in items]),
            ("tracking", [it.tracking for it in items]),
            ("details", [shipped_details(it.day, it.carrier, it.tracking) if ship else delivered_details(it.day)
                         for it in items]))},
    })
    d = dialect.of(cur)
    with d.frame_table(cur, "bulk_frame", frame, {"row_no": "BIGINT", "order_id": "BIGINT"}):
        cur.execute(d.temp_table_as("bulk_items", "SELECT row_no, order_id, day::DATE AS day, carrier, tracking, "
                                                  "details FROM bulk_frame"))
    rows = cur.execute(
        """
        SELECT s.row_no, s.order_id, s.day, s.carrier, s.tracking, s.carrier IN (SELECT name FROM carriers),
               o.status::VARCHAR, o.archived_at IS NOT NULL, o.created_at::DATE, o.shipped_on
        FROM bulk_items s LEFT JOIN orders o ON o.order_id = s.order_id ORDER BY s.row_no
        """
    ).fetchall()
    problems: list[tuple[int, str]] = []
    for row, order_id, day, carrier, tracking, known, status, archived, created, shipped in rows:
        why = []
        if ship and not known:
            why.append(unknown_carrier(carrier))
        if ship:
            why.append(tracking_refusal(tracking))
        refused = no_order(order_id) if status is None else status_refusal(order_id, status, archived, action)
        # The date's order comes first (in the future); before the order's creation or shipping only counts
        # once the status allows the action, as for one order.
        why.append(day_refusal(day, word, None if refused else (created if ship else shipped), today))
        why.append(refused)
        problems += [(row, w) for w in why if w]
    return problems


def apply_bulk(cur: Cursor, actor: Person, action: str, count: int) -> int:
    """Write the ``count`` staged ``bulk_items`` that ``bulk_problems`` found right in this transaction;
    ``StaleOrder`` (the caller's transaction rolls back) if another writer changed one meanwhile."""
    verify(cur, actor, ROLE_ACTIONS[action])
    starts, to = TRANSITIONS[action]
    sets = ("carrier = s.carrier, tracking_number = s.tracking, shipped_on = s.day" if action == "Mark as Shipped"
            else "delivered_on = s.day")
    cur.execute(f"UPDATE orders SET status = ?, {sets}, version = orders.version + 1, updated_at = now()::TIMESTAMP "
                "FROM bulk_items s WHERE orders.order_id = s.order_id AND orders.status = ? "
                "AND orders.archived_at IS NULL", [to, starts[0]])
    done = fetch_value(cur, "SELECT count(*) FROM orders o JOIN bulk_items s ON o.order_id = s.order_id "
                            "WHERE o.status = ?", [to])
    if done != count:
        raise StaleOrder([f"{count - done:,} of the orders were changed by someone else meanwhile; nothing was "
                          "changed. Check the file again."])
    if action == "Mark as Shipped":
        tracking_grams.keep(cur, [r[0] for r in cur.execute("SELECT order_id FROM bulk_items").fetchall()])
    cur.execute("INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email) "
                "SELECT nextval('event_ids'), order_id, now()::TIMESTAMP, ?, 'status', details, ? FROM bulk_items "
                "ORDER BY row_no", [actor.name, actor.email])
    return count
