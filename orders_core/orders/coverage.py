"""What each coverage policy pays of an order: one ``order_coverage`` row per order and policy.

Written in the transaction that writes the order's money (creation and Edit; recurring-generated
orders carry no coverage, so no rows), read by the Order Profile, the Metrics insurer figures,
the orders CSV export and the policy maximums of later orders. ``orders.coverage_amount`` is
always the sum of the order's rows (``orders-core check`` verifies it).

Decisions (where the requirements are silent): every policy valid on the order's day gets a row, also when it
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
    used = policy_usage_by_period(cur, [(client_id, start, end)], exclude_order_id)
    return {policy_id: paid for (_, _, policy_id), paid in used.items()}


def policy_usage_by_period(
    cur: Cursor, periods: Sequence[tuple[int, dt.date, dt.date]], exclude_order_id: int | None = None,
) -> dict[tuple[int, dt.date, int], tuple[Decimal, Decimal]]:
    """Per (client, period start, policy): dollars and grams the policy paid for the client's counted orders
    (``allowance.COUNTED_SQL``) created in the period, ``exclude_order_id`` left out; dollars net of what
    refunds gave back to it (``orders_core.returns.refunds``). ``periods``: (client_id, first day, last day).
    The one reading of a policy's period total: order creation, Edit and Verify (``policy_usage``) and the
    portal import (all its clients and periods in one statement)."""
    if not periods:
        return {}
    rows = cur.execute(
        f"""
        SELECT k.client_id, k.period_start, c.policy_id, sum(c.amount) - coalesce(sum(r.amount), 0), sum(c.grams)
        FROM (SELECT unnest(?::INTEGER[]) AS client_id, unnest(?::DATE[]) AS period_start,
                     unnest(?::DATE[]) AS period_end) k
        JOIN orders o ON o.client_id = k.client_id AND o.created_at >= k.period_start
                     AND o.created_at < k.period_end + INTERVAL '1 day'
                     AND o.{COUNTED_SQL} AND o.order_id IS DISTINCT FROM ?
        JOIN order_coverage c ON c.order_id = o.order_id
        LEFT JOIN (SELECT order_id, policy_id, sum(amount) AS amount FROM order_refund_policies
                   GROUP BY order_id, policy_id) r ON r.order_id = c.order_id AND r.policy_id = c.policy_id
        GROUP BY k.client_id, k.period_start, c.policy_id
        """,
        [[p[0] for p in periods], [p[1] for p in periods], [p[2] for p in periods], list(RELEASED_STATUSES),
         exclude_order_id],
    ).fetchall()
    return {(cid, day, pid): (Decimal(d), Decimal(g)) for cid, day, pid, d, g in rows}


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
