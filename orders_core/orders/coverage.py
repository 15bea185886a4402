"""What each coverage policy pays of an order: one ``order_coverage`` row per order and policy.

Written in the transaction that writes the order's money (creation and Edit; recurring-generated
orders carry no coverage, so no rows), read by the Order Profile, the Metrics insurer figures,
the orders CSV export and the policy maximums of later orders. ``orders.coverage_amount`` is
always the sum of the order's rows (``orders-core check`` verifies it).

Decisions (the issue is silent): every policy valid on the order's day gets a row, also when it
pays $0.00 (its period maximum is used up), so the profile can say why. An Edit rewrites the
amounts in place; a policy that no longer applies keeps its row at $0.00 (nothing is deleted), and
the 'edited' event keeps the Total Due before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orders_core.rules.allowance import COUNTED_SQL, RELEASED_STATUSES
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import in_list


@dataclass(frozen=True)
class PolicyPayment:
    policy_id: int
    insurer: str
    amount: Decimal
    grams: Decimal
    note: str


def write_coverage(cur: Cursor, order_id: int, lines: Iterable) -> None:
    """Make ``lines`` (each with policy_id, insurer, amount, grams, note) the order's coverage rows."""
    rows = [[order_id, ln.policy_id, ln.insurer, ln.amount, ln.grams, ln.note or ""]
            for ln in lines if ln.policy_id is not None]
    cur.execute(
        "UPDATE order_coverage SET amount = 0, grams = 0, note = 'no longer applies after an edit' "
        f"WHERE order_id = ? AND NOT {dialect.of(cur).array_contains('?::INTEGER[]', 'policy_id')}",
        [order_id, [r[1] for r in rows]],
    )
    if rows:
        cur.executemany(
            """
            INSERT INTO order_coverage (order_id, policy_id, insurer, amount, grams, note) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (order_id, policy_id) DO UPDATE
            SET insurer = excluded.insurer, amount = excluded.amount, grams = excluded.grams, note = excluded.note
            """,
            rows,
        )


def order_payments(cur: Cursor, order_id: int) -> list[PolicyPayment]:
    """The order's coverage rows, by policy."""
    rows = cur.execute(
        "SELECT policy_id, insurer, amount, grams, note FROM order_coverage WHERE order_id = ? ORDER BY policy_id",
        [order_id],
    ).fetchall()
    return [PolicyPayment(*r) for r in rows]


def policy_usage(
    cur: Cursor, client_id: int, start: dt.date, end: dt.date, exclude_order_id: int | None,
) -> dict[int, tuple[Decimal, Decimal]]:
    """Per policy: dollars and grams it paid for the client's other non-cancelled orders from start to end; dollars
    net of what refunds gave back to it (``orders_core.returns.refunds``)."""
    rows = cur.execute(
        f"""
        SELECT c.policy_id, sum(c.amount) - coalesce(sum((SELECT sum(r.amount) FROM order_refund_policies r
                                   WHERE r.order_id = c.order_id AND r.policy_id = c.policy_id)), 0), sum(c.grams)
        FROM order_coverage c JOIN orders o USING (order_id)
        WHERE o.client_id = ? AND o.{COUNTED_SQL} AND o.order_id IS DISTINCT FROM ?
          AND o.created_at >= ?::DATE AND o.created_at < ?::DATE + INTERVAL '1 day'
        GROUP BY c.policy_id
        """,
        [client_id, list(RELEASED_STATUSES), exclude_order_id, start, end],
    ).fetchall()
    return {pid: (Decimal(d), Decimal(g)) for pid, d, g in rows}


def coverage_by_order(cur: Cursor, order_ids: Sequence[int]) -> dict[int, str]:
    """'Blue Cross $84.00; Manulife $10.50' per order that a policy paid for (for exports)."""
    if not order_ids:
        return {}
    clause, params = in_list("order_id", [int(i) for i in order_ids], "BIGINT")
    rows = cur.execute(
        f"""
        SELECT order_id, string_agg(insurer || ' $' || {dialect.of(cur).money_text('amount')}, '; ' ORDER BY policy_id)
        FROM order_coverage WHERE {clause} AND amount > 0 GROUP BY order_id
        """,
        params,
    ).fetchall()
    return dict(rows)
