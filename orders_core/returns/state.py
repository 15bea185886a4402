"""What every return, refund and replacement write shares: the order's return-state row, the order and its lines.

The guard (how "units returned never exceed units shipped" holds with two writers at once): every such write
first *claims* the order's ``order_return_state`` row (an UPDATE of that row, or its INSERT through
``claim_key`` when it is the order's first), then reads what was already returned or refunded, checks, writes,
and updates the row's running totals, all in one transaction (``Database.write``). Two writers on one order
therefore update the same row: on DuckDB the second UPDATE (or the second INSERT's commit) is a transaction
conflict, ``run_write`` runs the loser again from the start and it re-reads and is refused with the reason;
on PostgreSQL (READ COMMITTED) the second UPDATE waits for the first to commit and its following reads see
what the first wrote. The row's CHECK (``units_returned <= units_ordered``) is a last line of defence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from orders_core.returns.money import MoneyLine, OrderMoney
from orders_core.rules.refusals import Refused
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_one
from orders_core.storage.transactions import claim_key

RETURNABLE_STATUSES = ("Shipped", "Delivered")
PAID_STATUSES = ("Order Placed", "Shipped", "Delivered")


class ReturnRefused(Refused):
    """A return, refund or replacement refused in one sentence; nothing was written."""


@dataclass(frozen=True)
class OrderHead:
    order_id: int
    client_id: int
    status: str
    shipped_on: dt.date | None
    carrier: str | None
    order_discount: Decimal
    shipping_charge: Decimal
    total_due: Decimal
    replaces_return_id: int | None


@dataclass(frozen=True)
class OrderLine:
    line_no: int
    sku: str
    name: str
    units: int
    unit_price: Decimal
    line_discount: Decimal
    is_cannabis: bool
    grams_per_unit: Decimal


def load_order(cur: Cursor, order_id: int) -> OrderHead:
    row = fetch_one(
        cur,
        "SELECT order_id, client_id, status::VARCHAR, shipped_on, carrier, order_discount, shipping_charge, "
        "total_due, replaces_return_id FROM orders WHERE order_id = ?",
        [order_id],
    )
    if row is None:
        raise ReturnRefused(f"There is no order {order_id}.")
    return OrderHead(*row)


def load_lines(cur: Cursor, order_id: int) -> list[OrderLine]:
    rows = cur.execute(
        """
        SELECT l.line_no, l.sku, p.name, l.units, l.unit_price, l.line_discount, p.is_cannabis,
               CASE WHEN p.is_cannabis THEN p.dried_equiv_grams ELSE 0 END
        FROM order_lines l JOIN products p USING (sku) WHERE l.order_id = ? ORDER BY l.line_no
        """,
        [order_id],
    ).fetchall()
    return [OrderLine(*r) for r in rows]


def order_money(cur: Cursor, head: OrderHead, lines: list[OrderLine]) -> OrderMoney:
    policies = dict(cur.execute("SELECT policy_id, amount FROM order_coverage WHERE order_id = ? ORDER BY policy_id",
                                [head.order_id]).fetchall())
    return OrderMoney([MoneyLine(ln.line_no, ln.units, ln.unit_price, ln.line_discount, ln.is_cannabis) for ln in lines],
                      head.order_discount, head.shipping_charge, head.total_due, policies)


def claim(cur: Cursor, order_id: int, units_ordered: int) -> None:
    """Hold the order's return-state row for this transaction (create it on the order's first return or refund)."""
    held = cur.execute(
        "UPDATE order_return_state SET writes = writes + 1, updated_at = now()::TIMESTAMP WHERE order_id = ? "
        "RETURNING order_id",
        [order_id],
    ).fetchall()
    if not held:
        claim_key(cur, "INSERT INTO order_return_state (order_id, units_ordered, writes, updated_at) "
                       "VALUES (?, ?, 1, now()::TIMESTAMP)", [order_id, units_ordered])


def returned_by_line(cur: Cursor, order_id: int, *, refunded_only: bool = False) -> dict[int, int]:
    """Units returned so far per order line (``refunded_only``: only of the returns already refunded)."""
    extra = " AND r.return_id IN (SELECT return_id FROM order_refunds WHERE order_id = ? AND return_id IS NOT NULL)" \
        if refunded_only else ""
    params = [order_id, order_id] if refunded_only else [order_id]
    rows = cur.execute(
        f"SELECT r.line_no, sum(r.units) FROM order_return_lines r WHERE r.order_id = ?{extra} GROUP BY r.line_no",
        params,
    ).fetchall()
    return {int(line): int(units) for line, units in rows}


def client_refunded(cur: Cursor, order_id: int) -> tuple[Decimal, Decimal]:
    """What the client has been refunded so far on the order: (goods and goodwill, shipping)."""
    row = fetch_one(cur, "SELECT coalesce(sum(client_amount), 0), coalesce(sum(shipping_amount), 0) "
                         "FROM order_refunds WHERE order_id = ?", [order_id])
    return Decimal(row[0]), Decimal(row[1])


def touch(cur: Cursor, order_id: int) -> None:
    """Bring the held row's running totals up to date with what this transaction wrote."""
    cur.execute(
        """
        UPDATE order_return_state SET
            units_returned = (SELECT coalesce(sum(units), 0) FROM order_return_lines WHERE order_id = ?),
            returns = (SELECT count(*) FROM order_returns WHERE order_id = ?),
            refunds = (SELECT count(*) FROM order_refunds WHERE order_id = ?),
            client_refunded = (SELECT coalesce(sum(client_amount + shipping_amount), 0) FROM order_refunds
                               WHERE order_id = ?),
            insurer_refunded = (SELECT coalesce(sum(insurer_amount), 0) FROM order_refunds WHERE order_id = ?),
            updated_at = now()::TIMESTAMP
        WHERE order_id = ?
        """,
        [order_id] * 6,
    ).fetchall()
