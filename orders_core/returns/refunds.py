"""Refunds: the money a return gives back (client and each coverage policy), and goodwill refunds.

Decisions the requirements left open:
- One refund per return, decided by a CSR (``refund_order``) after the return is recorded; its amounts follow
  from the returned units (``money``): never typed, so they cannot exceed what was paid.
- The shipping charge is refunded when the CSR chooses to (``include_shipping``): what is left of it, to the
  client (coverage never paid shipping).
- Each policy that paid the order gets back its part (``order_refund_policies``); that lowers what the policy
  has paid in its period (the period maximums of later orders read ``order_coverage`` less these rows).
- A goodwill refund needs no return: a reason, and never more than the client paid (Total Due) less what
  they were already refunded. It is the client's alone. A return's client refund is also held to what is
  left of the client's payment, so a goodwill refund made first is not paid twice.
- A refund needs a method (``REFUND_METHODS``) and a reference (the payment processor's, the cheque's number).
- The order's recorded totals never change: net figures subtract the refunds where they are needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from orders_core.orders.events import record_event
from orders_core.returns import state
from orders_core.returns.money import CENTS, ZERO, refund_share
from orders_core.returns.state import PAID_STATUSES, ReturnRefused
from orders_core.rules import formatting
from orders_core.rules.limits import MAX_MONEY, MAX_NOTE_CHARS, MAX_REFERENCE_CHARS
from orders_core.rules.numbers import NumberError, parse_money
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.transactions import next_id

REFUND_METHODS = ("Original payment method", "Credit card", "Debit card", "E-transfer", "Cheque")


@dataclass(frozen=True)
class RefundResult:
    refund_id: int
    order_id: int
    return_id: int | None
    client: Decimal  # goods or goodwill, to the client
    shipping: Decimal
    policies: dict[int, Decimal] = field(default_factory=dict)

    @property
    def insurers(self) -> Decimal:
        return sum(self.policies.values(), ZERO)

    @property
    def to_client(self) -> Decimal:
        return self.client + self.shipping

    def sentence(self) -> str:
        said = f"Refund {self.refund_id} on order {self.order_id}: {formatting.money(self.to_client)} to the client"
        if self.shipping:
            said += f" (shipping {formatting.money(self.shipping)} included)"
        if self.policies:
            said += f", {formatting.money(self.insurers)} back to the insurers"
        return said + "."


def _payment_fields(method: str, reference: str) -> str:
    if method not in REFUND_METHODS:
        raise ReturnRefused(f"Choose how the refund is paid: {', '.join(REFUND_METHODS)}.")
    reference = (reference or "").strip()
    if not reference:
        raise ReturnRefused("Enter the refund's reference (the payment processor's or the cheque's number).")
    if len(reference) > MAX_REFERENCE_CHARS:
        raise ReturnRefused(f"The refund's reference is longer than {MAX_REFERENCE_CHARS} characters.")
    return reference


def _insert(cur: Cursor, person: Person, order_id: int, return_id: int | None, client: Decimal, shipping: Decimal,
            policies: dict[int, Decimal], method: str, reference: str, reason: str) -> RefundResult:
    refund_id = next_id(cur, "refund_ids")
    cur.execute(
        """
        INSERT INTO order_refunds (refund_id, order_id, return_id, client_amount, shipping_amount, insurer_amount,
            method, reference, reason, refunded_by, refunded_by_email, recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)
        """,
        [refund_id, order_id, return_id, client, shipping, sum(policies.values(), ZERO), method, reference, reason,
         person.name, person.email],
    )
    insurers = dict(cur.execute("SELECT policy_id, insurer FROM order_coverage WHERE order_id = ?", [order_id]).fetchall())
    rows = [[refund_id, pid, order_id, insurers.get(pid, ""), amount] for pid, amount in sorted(policies.items()) if amount > 0]
    if rows:
        cur.executemany("INSERT INTO order_refund_policies (refund_id, policy_id, order_id, insurer, amount) "
                        "VALUES (?, ?, ?, ?, ?)", rows)
    state.touch(cur, order_id)
    result = RefundResult(refund_id, order_id, return_id, client, shipping, {p: a for p, a in policies.items() if a > 0})
    record_event(cur, order_id, person, "refunded", f"{result.sentence()} By {method}, reference {reference}"
                 + (f"; return {return_id}" if return_id else f"; goodwill: {reason}"))
    return result


def refund_return(
    db: Database, return_id: int, actor: Person, *, method: str, reference: str, include_shipping: bool = False,
) -> RefundResult:
    """Refund what a return brought back (client and policies; shipping by choice); one sentence otherwise."""
    reference = _payment_fields(method, reference)

    def work(cur: Cursor) -> RefundResult:
        person = verify(cur, actor, "refund_order")
        order_id = fetch_value(cur, "SELECT order_id FROM order_returns WHERE return_id = ?", [return_id])
        if order_id is None:
            raise ReturnRefused(f"There is no return {return_id}.")
        head = state.load_order(cur, order_id)
        lines = state.load_lines(cur, order_id)
        state.claim(cur, order_id, sum(ln.units for ln in lines))
        done = fetch_value(cur, "SELECT refund_id FROM order_refunds WHERE return_id = ?", [return_id])
        if done is not None:
            raise ReturnRefused(f"Return {return_id} was already refunded (refund {done}).")
        before = state.returned_by_line(cur, order_id, refunded_only=True)
        now = {int(n): int(u) for n, u in cur.execute(
            "SELECT line_no, units FROM order_return_lines WHERE return_id = ?", [return_id]).fetchall()}
        share = refund_share(state.order_money(cur, head, lines), before, now)
        goods, shipping_paid = state.client_refunded(cur, order_id)
        left = max(head.total_due - goods - shipping_paid, ZERO)
        shipping = max(head.shipping_charge - shipping_paid, ZERO) if include_shipping else ZERO
        client = min(share.client, left)
        shipping = min(shipping, left - client)
        return _insert(cur, person, order_id, return_id, client, shipping, share.policies, method, reference, "")

    return db.write(work)


def goodwill_refund(
    db: Database, order_id: int, actor: Person, *, amount: object, reason: str, method: str, reference: str,
) -> RefundResult:
    """Refund the client ``amount`` without a return (with a reason), never more than they paid less earlier refunds."""
    reference = _payment_fields(method, reference)
    reason = (reason or "").strip()
    if not reason:
        raise ReturnRefused("Say why the goodwill refund is made.")
    if len(reason) > MAX_NOTE_CHARS:
        raise ReturnRefused(f"The reason is longer than {MAX_NOTE_CHARS} characters.")
    try:
        money = parse_money(amount, "The refund amount", maximum=MAX_MONEY).quantize(CENTS)
    except NumberError as exc:
        raise ReturnRefused(str(exc)) from None
    if money <= 0:
        raise ReturnRefused("The refund amount must be more than $0.00.")

    def work(cur: Cursor) -> RefundResult:
        person = verify(cur, actor, "refund_order")
        head = state.load_order(cur, order_id)
        if head.status not in PAID_STATUSES:
            raise ReturnRefused(f"Order {order_id} is {head.status}; only an order that was paid (Order Placed, "
                                "Shipped or Delivered) can be refunded.")
        lines = state.load_lines(cur, order_id)
        state.claim(cur, order_id, sum(ln.units for ln in lines))
        goods, shipping = state.client_refunded(cur, order_id)
        left = max(head.total_due - goods - shipping, ZERO)
        if money > left:
            raise ReturnRefused(f"The client paid {formatting.money(head.total_due)} for order {order_id} and was already "
                                f"refunded {formatting.money(goods + shipping)}, so at most {formatting.money(left)} "
                                f"can be refunded, not {formatting.money(money)}.")
        return _insert(cur, person, order_id, None, money, ZERO, {}, method, reference, reason)

    return db.write(work)


def refunds_of(cur: Cursor, order_id: int) -> Sequence[tuple]:
    """The order's refunds, oldest first: id, return, client, shipping, insurers, method, reference, reason, by, at."""
    return cur.execute(
        "SELECT refund_id, return_id, client_amount, shipping_amount, insurer_amount, method, reference, reason, "
        "refunded_by, recorded_at FROM order_refunds WHERE order_id = ? ORDER BY refund_id",
        [order_id],
    ).fetchall()


def refund_of_return(cur: Cursor, return_id: int) -> tuple | None:
    return fetch_one(cur, "SELECT refund_id FROM order_refunds WHERE return_id = ?", [return_id])
