"""The demo orders' histories (``order_events``), written in one pass over the orders.

Decisions:
- Each order's events come from one read of its row: a list of up to six events, unnested, so they
  are written in about the order of their keys (order, then step): the indexes on them grow in order.
- An event's id is computed, not counted: ``(order_id - FIRST_ORDER_ID) * STEPS + step + 1``, one
  step number per kind of change (``_events``). Numbering them one by one sorted every event of the
  demo (4.4 an order), its largest sort (``docs/benchmarks.md``, the demo at 10M). The computed ids
  are unique and in the same order as the counted ones: by order, then, within an order, by time,
  since an order goes through its steps in this order (each step's time is later than the one
  before). Steps an order did not go through leave gaps in the ids; ``event_ids`` restarts after
  the largest (``generate._reset_sequences``).
- A portal order was created by the client through the portal (their name and e-mail), a recurring
  one by the daily job; the Fulfillment Associate ships, a CSR does the rest.
"""

from __future__ import annotations

import datetime as dt

from orders_core.demo.orders import CSR_EMAILS, FIRST_ORDER_ID, _email_of
from orders_core.recurring.generation import JOB_ACTOR
from orders_core.rules.roles import FULFILLMENT
from orders_core.staff.members import DEMO_STAFF
from orders_core.storage.cursor import Cursor

STEPS = 6  # created, verified, placed or cancelled, shipped, delivered, archived

_CSR = "Isabelle Roy"


def _event(step: int, at: str, actor: str, kind: str, details: str, email: str) -> str:
    """One event as a SQL struct (our own SQL, never user text)."""
    return (f"{{'step': {step}, 'at': {at}, 'actor': {actor}, 'kind': '{kind}', 'details': {details}, "
            f"'email': {email}}}")


def _events(con: Cursor, anchor: dt.date) -> None:
    """Each order's history, every event naming its author and their e-mail."""
    shipper = next(p for p in DEMO_STAFF if p.role == FULFILLMENT)
    history = [
        ("TRUE", _event(
            0, "o.created_at", "CASE WHEN o.source = 'Recurring' THEN $job ELSE o.placed_by END", "created",
            "'Order created (' || o.source || ')'",
            f"CASE o.source WHEN 'CSR' THEN {_email_of('o.placed_by')} WHEN 'Client Portal' THEN c.email "
            "ELSE $job_email END")),
        ("o.source = 'Client Portal' AND o.status <> 'Unverified'", _event(
            1, "o.created_at + INTERVAL 1 HOUR", "$csr", "verified", "'Unverified → Open; checks passed'",
            "$csr_email")),
        ("o.status IN ('Order Placed', 'Shipped', 'Delivered')", _event(
            2, "o.created_at + INTERVAL 2 HOUR", "$csr", "status",
            "'Open → Order Placed; paid by ' || o.payment_method || ', reference ' || o.payment_reference",
            "$csr_email")),
        ("o.status = 'Cancelled'", _event(
            2, "o.created_at + INTERVAL 2 HOUR", "$csr", "status",
            "'Open → Cancelled: ' || coalesce(o.cancel_reason, 'no reason recorded')", "$csr_email")),
        ("o.status IN ('Shipped', 'Delivered')", _event(
            3, "least(greatest(o.shipped_on + INTERVAL 14 HOUR, o.created_at + INTERVAL 3 HOUR), "
               "$now - INTERVAL 1 HOUR)", "$shipper", "status",
            "'Order Placed → Shipped on ' || strftime(o.shipped_on, '%Y-%m-%d') || ' by ' || o.carrier "
            "|| ', tracking ' || o.tracking_number", "$shipper_email")),
        ("o.status = 'Delivered'", _event(
            4, "least(greatest(o.delivered_on + INTERVAL 15 HOUR, o.created_at + INTERVAL 4 HOUR), $now)",
            "$shipper", "status", "'Shipped → Delivered on ' || strftime(o.delivered_on, '%Y-%m-%d')",
            "$shipper_email")),
        ("o.archived_at IS NOT NULL", _event(
            5, "o.archived_at", "$csr", "archived", "'Archived (' || o.status || ')'", "$csr_email")),
    ]
    events = ", ".join(f"CASE WHEN {when} THEN {event} END" for when, event in history)
    con.execute(
        f"""
        INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email)
        SELECT (order_id - {FIRST_ORDER_ID}) * {STEPS} + e.step + 1, order_id, e.at, e.actor, e.kind, e.details,
               e.email
        FROM (SELECT o.order_id, unnest(list_filter([{events}], lambda e: e IS NOT NULL)) AS e
              FROM orders o JOIN clients c USING (client_id))
        """,
        {"job": JOB_ACTOR.name, "job_email": JOB_ACTOR.email, "csr": _CSR, "csr_email": CSR_EMAILS[_CSR],
         "shipper": shipper.name, "shipper_email": shipper.email,
         "now": dt.datetime.combine(anchor, dt.time(8))},
    )
    # As the app keeps them: the version counts the changes (one per event), updated_at is the last one.
    con.execute("""
        UPDATE orders o SET version = e.n, updated_at = e.last
        FROM (SELECT order_id, count(*) AS n, max(event_at) AS last FROM order_events GROUP BY order_id) e
        WHERE o.order_id = e.order_id
    """)
