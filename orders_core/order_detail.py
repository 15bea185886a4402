"""Everything the Order Profile shows: the s.289 purchase-order record, money, shipping, lines, events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd

from .clients import Client, get_client
from .db import fetch_frame, fetch_one
from .lifecycle import allowed_actions


class BadOrderId(ValueError):
    """An order id that is missing, malformed or unknown, said in one sentence."""


def parse_order_id(text: object) -> int:
    """The order id in ``text`` (e.g. from ``?id=``), or BadOrderId with one sentence."""
    if text is None or not str(text).strip():
        raise BadOrderId("No order was chosen: open an order from the Orders page (the link needs ?id=<order id>).")
    raw = str(text).strip().lstrip("#")
    if not raw.isdigit() or len(raw) > 18:
        shown = str(text)[:40]
        raise BadOrderId(f"'{shown}' is not an order id: an order id is a number such as 100123.")
    return int(raw)


@dataclass(frozen=True)
class OrderDetail:
    order_id: int
    status: str
    source: str
    placed_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    subtotal: Decimal
    line_discount_total: Decimal
    order_discount: Decimal
    coverage_amount: Decimal
    shipping_charge: Decimal
    total_due: Decimal
    grams: Decimal | None
    carrier: str | None
    tracking_number: str | None
    shipped_on: dt.date | None
    delivered_on: dt.date | None
    payment_method: str | None
    payment_reference: str | None
    return_policy_agreed: bool
    cancel_reason: str | None
    archived_at: dt.datetime | None
    recurring_order_id: int | None
    client: Client
    lines: pd.DataFrame
    events: pd.DataFrame

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def actions(self) -> list[str]:
        """The lifecycle actions the order's status allows now."""
        return allowed_actions(self.status, self.archived)

    def money_rows(self) -> list[tuple[str, Decimal]]:
        """The money breakdown, in the order a receipt reads."""
        return [
            ("Subtotal", self.subtotal),
            ("Line discounts", -self.line_discount_total),
            ("Order discount", -self.order_discount),
            ("Policy coverage", -self.coverage_amount),
            ("Shipping", self.shipping_charge),
            ("Total Due", self.total_due),
        ]

    def purchase_record(self) -> list[tuple[str, str]]:
        """The purchase-order record of s. 289 of the Cannabis Regulations."""
        c = self.client
        return [
            ("Date", f"{self.created_at:%Y-%m-%d %H:%M}"),
            ("Client", c.name),
            ("Date of birth", f"{c.date_of_birth:%Y-%m-%d}"),
            ("Client ID", str(c.client_id)),
            ("Order placed by", self.placed_by),
            ("Ships to (registered address)", c.address),
        ]


_HEAD = """
    SELECT order_id, status::VARCHAR, source::VARCHAR, placed_by, created_at, updated_at, version,
           subtotal, line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams,
           carrier, tracking_number, shipped_on, delivered_on, payment_method, payment_reference,
           return_policy_agreed, cancel_reason, archived_at, recurring_order_id, client_id
    FROM orders WHERE order_id = ?
"""


def get_order(cur: duckdb.DuckDBPyConnection, order_id: int) -> OrderDetail | None:
    """The order with its client, lines (with product name and brand) and events, or None."""
    row = fetch_one(cur, _HEAD, [order_id])
    if row is None:
        return None
    client = get_client(cur, row[-1])
    return OrderDetail(*row[:-1], client=client, lines=order_lines(cur, order_id), events=order_events(cur, order_id))


def order_lines(cur: duckdb.DuckDBPyConnection, order_id: int) -> pd.DataFrame:
    return fetch_frame(
        cur,
        """
        SELECT l.line_no AS "Line", l.sku AS "SKU", p.name AS "Product", p.brand AS "Brand",
               p.category::VARCHAR AS "Category", l.units AS "Units", l.unit_price AS "Unit Price",
               l.line_discount AS "Line Discount",
               (l.units * l.unit_price - l.line_discount)::DECIMAL(12,2) AS "Line Total",
               CASE WHEN p.is_cannabis THEN (l.units * p.dried_equiv_grams)::DECIMAL(10,3) END AS "Grams",
               p.lot_number AS "Lot"
        FROM order_lines l JOIN products p USING (sku)
        WHERE l.order_id = ? ORDER BY l.line_no
        """,
        [order_id],
    )


def order_events(cur: duckdb.DuckDBPyConnection, order_id: int) -> pd.DataFrame:
    return fetch_frame(
        cur,
        """
        SELECT event_at AS "When", actor AS "Who", kind AS "Event", details AS "What changed"
        FROM order_events WHERE order_id = ? ORDER BY event_at, event_id
        """,
        [order_id],
    )
