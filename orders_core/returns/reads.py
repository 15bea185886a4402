"""What people read of returns: an order's returns, refunds and replacement (the Order Profile), every return
(the command line), and the index's Returned / Partly returned label.

Who sees what: whoever may see the order (``view_orders``, in its status) sees its returns; a Fulfillment
Associate (shipping fields only) sees what came back but no money (``refunds`` is empty for them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from orders_core.returns.refunds import REFUND_METHODS
from orders_core.returns.state import RETURNABLE_STATUSES, load_order
from orders_core.rules import formatting
from orders_core.rules.roles import Person, may, require, shipping_fields_only
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.migrations.v11_returns import DISPOSITIONS, REASONS
from orders_core.storage.reads import fetch_frame, fetch_one

# The index's label of an order with a return: SQL over ``order_return_state`` aliased ``rs``.
RETURNED_LABEL_SQL = ("CASE WHEN rs.units_returned >= rs.units_ordered AND rs.units_returned > 0 THEN 'Returned' "
                      "WHEN rs.units_returned > 0 THEN 'Partly returned' END")


@dataclass(frozen=True)
class ReturnRow:
    return_id: int
    received_on: dt.date
    reason: str
    note: str
    disposition: str
    received_by: str
    recorded_at: dt.datetime
    grams: Decimal
    lines: str  # "1 x SKU; 2 x SKU"
    refund_id: int | None
    replacement_order_id: int | None


@dataclass
class OrderReturns:
    """An order's returns, refunds and replacement, as the Order Profile shows them, and the actions allowed."""

    order_id: int
    returns: list[ReturnRow] = field(default_factory=list)
    refunds: pd.DataFrame | None = None  # None: the person sees no money
    replaces_return_id: int | None = None
    replaced_order_id: int | None = None  # the order whose return this order replaces
    label: str | None = None  # Returned / Partly returned
    can_receive: bool = False
    can_refund: bool = False
    units_left: dict[str, int] = field(default_factory=dict)  # SKU -> units that may still come back
    reasons: tuple[str, ...] = REASONS
    dispositions: tuple[str, ...] = DISPOSITIONS
    methods: tuple[str, ...] = REFUND_METHODS


def order_returns(cur: Cursor, order_id: int, person: Person) -> OrderReturns:
    """The order's returns for ``person`` (who may see the order); ``NotAllowed`` otherwise."""
    person = verify(cur, person, "view_orders")
    head = load_order(cur, order_id)
    require(person, "view_orders", status=head.status)
    rows = cur.execute(
        """
        SELECT r.return_id, r.received_on, r.reason, r.note, r.disposition, r.received_by, r.recorded_at, r.grams,
               (SELECT string_agg(l.units || ' x ' || l.sku, '; ' ORDER BY l.line_no) FROM order_return_lines l
                WHERE l.return_id = r.return_id),
               (SELECT min(f.refund_id) FROM order_refunds f WHERE f.return_id = r.return_id),
               (SELECT min(o.order_id) FROM orders o WHERE o.replaces_return_id = r.return_id)
        FROM order_returns r WHERE r.order_id = ? ORDER BY r.return_id
        """,
        [order_id],
    ).fetchall()
    result = OrderReturns(order_id, [ReturnRow(*r) for r in rows], replaces_return_id=head.replaces_return_id)
    if head.replaces_return_id is not None:
        row = fetch_one(cur, "SELECT order_id FROM order_returns WHERE return_id = ?", [head.replaces_return_id])
        result.replaced_order_id = row[0] if row else None
    if not shipping_fields_only(person):
        result.refunds = fetch_frame(
            cur,
            """
            SELECT refund_id AS "Refund", coalesce('Return ' || return_id::VARCHAR, 'Goodwill') AS "For",
                   client_amount + shipping_amount AS "To the client", shipping_amount AS "Of which shipping",
                   insurer_amount AS "To insurers", method AS "Method", reference AS "Reference", reason AS "Reason",
                   refunded_by AS "By", recorded_at AS "Recorded at"
            FROM order_refunds WHERE order_id = ? ORDER BY refund_id
            """,
            [order_id],
        )
    label = fetch_one(cur, f"SELECT {RETURNED_LABEL_SQL} FROM order_return_state rs WHERE rs.order_id = ?", [order_id])
    result.label = label[0] if label else None
    returnable = head.status in RETURNABLE_STATUSES
    result.can_receive = returnable and may(person, "receive_return")
    result.can_refund = may(person, "refund_order") and head.status in ("Order Placed", *RETURNABLE_STATUSES)
    if returnable:
        left = cur.execute(
            """
            SELECT l.sku, sum(l.units) - coalesce(sum((SELECT sum(r.units) FROM order_return_lines r
                                                        WHERE r.order_id = l.order_id AND r.line_no = l.line_no)), 0)
            FROM order_lines l WHERE l.order_id = ? GROUP BY l.sku ORDER BY l.sku
            """,
            [order_id],
        ).fetchall()
        result.units_left = {sku: int(u) for sku, u in left if u > 0}
    return result


def list_returns(cur: Cursor, person: Person, order_id: int | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest returns (of one order), newest first, with their refund and replacement (for the command line)."""
    person = verify(cur, person, "view_orders")
    money = not shipping_fields_only(person)
    frame = fetch_frame(
        cur,
        """
        SELECT r.return_id AS "Return", r.order_id AS "Order ID", r.received_on AS "Received", r.reason AS "Reason",
               (SELECT string_agg(l.units || ' x ' || l.sku, '; ' ORDER BY l.line_no) FROM order_return_lines l
                WHERE l.return_id = r.return_id) AS "Units",
               r.grams AS "Grams", r.disposition AS "Disposition", r.received_by AS "Received by",
               (SELECT min(f.refund_id) FROM order_refunds f WHERE f.return_id = r.return_id) AS "Refund",
               (SELECT sum(f.client_amount + f.shipping_amount) FROM order_refunds f WHERE f.return_id = r.return_id)
                   AS "To the client",
               (SELECT sum(f.insurer_amount) FROM order_refunds f WHERE f.return_id = r.return_id) AS "To insurers",
               (SELECT min(o.order_id) FROM orders o WHERE o.replaces_return_id = r.return_id) AS "Replacement"
        FROM order_returns r JOIN orders o USING (order_id)
        WHERE (?::BIGINT IS NULL OR r.order_id = ?)
          AND (? OR o.status::VARCHAR IN ('Order Placed', 'Shipped', 'Delivered'))
        ORDER BY r.return_id DESC LIMIT ?
        """,
        [order_id, order_id, not shipping_fields_only(person), limit],
    )
    if not money:
        frame = frame.drop(columns=["To the client", "To insurers"])
    return frame


def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """``list_returns``' frame with grams and money written as everywhere else (``formatting``)."""
    frame = frame.copy()
    if "Grams" in frame:
        frame["Grams"] = [formatting.grams(g) for g in frame["Grams"]]
    for column in ("To the client", "To insurers"):
        if column in frame:
            frame[column] = ["" if pd.isna(v) else formatting.money(v) for v in frame[column]]
    for column in ("Refund", "Replacement"):
        if column in frame:
            frame[column] = ["" if pd.isna(v) else str(int(v)) for v in frame[column]]
    return frame
