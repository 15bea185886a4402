"""Creating orders: a reviewed draft written as an Open order, with its lines, coverage and 'created' event.

``create_order`` holds the client's ledger row for the period (``allowance_ledger``), runs the same
review (``drafts.review_order``) inside that write transaction and writes nothing when there is any
reason; a concurrent writer for the same client and period makes one of them retry and re-check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from orders_core.orders import allowance_ledger
from orders_core.orders.coverage import write_coverage
from orders_core.orders.drafts import OrderDraft, OrderRefused, OrderReview, PricedLine, _review_order
from orders_core.orders.events import record_event
from orders_core.orders.totals import ZERO
from orders_core.rules import formatting
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.transactions import next_id


def insert_lines(cur: Cursor, order_id: int, lines: Sequence[PricedLine]) -> None:
    cur.executemany(
        "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)",
        [[order_id, n, ln.sku, ln.units, ln.unit_price, ln.line_discount] for n, ln in enumerate(lines, 1)],
    )


def create_order(
    db: Database, draft: OrderDraft, actor: Person, *, today: dt.date | None = None, source: str = "CSR"
) -> int:
    """Save ``draft`` as an Open order with a 'created' event by ``actor``; OrderRefused (nothing written)
    otherwise, NotAllowed when the actor's role may not create orders."""

    day = today or dt.date.today()

    def work(cur: Cursor) -> int:
        verify(cur, actor, "create_order")
        held = allowance_ledger.hold(cur, draft.client_id, day)  # first: a concurrent writer conflicts here
        review = _review_order(cur, draft, today=day)
        if not review.ok:
            raise OrderRefused(review.reasons)
        t = review.totals
        order_id = next_id(cur, "order_ids")
        cur.execute(
            """
            INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal,
                line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams,
                carrier, return_policy_agreed, version, updated_at)
            VALUES (?, ?, ?, ?, now()::TIMESTAMP, 'Open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, now()::TIMESTAMP)
            """,
            [order_id, draft.client_id, source, review.placed_by, t.subtotal, t.line_discount_total,
             t.order_discount, t.coverage_amount, t.shipping_charge, t.total_due, t.grams, review.carrier,
             review.return_policy_agreed],
        )
        insert_lines(cur, order_id, review.lines)
        write_coverage(cur, order_id, review.coverage)
        record_event(cur, order_id, actor, "created", describe_creation(review, actor.name, source))
        if held is not None:
            counted = review.period.used + (t.grams or ZERO) if review.period is not None else None
            allowance_ledger.settle(cur, [held], counted)
        return order_id

    return db.write(work)


def describe_creation(review: OrderReview, actor: str, source: str) -> str:
    """The 'created' event's details; ``actor`` is the name of who created it."""
    lines = "; ".join(f"{ln.units} x {ln.sku}" for ln in review.lines)
    grams = formatting.grams(review.totals.grams) if review.totals.grams is not None else "no cannabis"
    return (f"Order created ({source}) by {actor}, placed by {review.placed_by}: {lines}; {grams}; "
            f"Total Due {formatting.money(review.totals.total_due)}")


def describe_lines(lines: Iterable[PricedLine]) -> str:
    return "; ".join(
        f"{ln.units} x {ln.sku} @ {formatting.money(ln.unit_price)}"
        + (f" less {formatting.money(ln.line_discount)}" if ln.line_discount else "")
        for ln in lines
    )
