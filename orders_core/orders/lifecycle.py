"""The order lifecycle: Unverified -> Open -> Order Placed -> Shipped -> Delivered, and Cancelled.

Every action is one write transaction that re-reads the order, refuses (with the reason) what
its status does not allow, bumps ``version`` and records exactly one event. Optimistic
concurrency: pass the ``expected_version`` the CSR saw; if someone else changed the order
meanwhile the action raises ``StaleOrder`` and changes nothing. Two transactions updating the
same order also conflict inside DuckDB; the retry then sees the new version or status. On
PostgreSQL the action reads the order with a row lock (``FOR UPDATE``, ``dialect.lock_row``): a
second action on the order waits for the first to commit, then reads and checks what it left.

Verify, Edit and Cancel change what the order counts against the client's allowance: they hold
the client's ledger row for the period of the order's creation date (``allowance_ledger``) in the
same transaction, so they conflict with any other writer for that client and period and the loser
re-checks on its retry. No in-process lock is involved.

Edit replaces the order's lines: the lines it replaces move to ``order_line_history`` (with who,
when and the order version they belonged to) and the 'edited' event describes them, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orders_core.orders import allowance_ledger
from orders_core.orders.coverage import write_coverage
from orders_core.orders.drafts import DraftLine, OrderDraft, OrderRefused, _review_order
from orders_core.orders.events import record_event
from orders_core.orders.ordering import describe_lines, insert_lines
from orders_core.rules import formatting
from orders_core.rules.limits import MAX_NOTE_CHARS, MAX_REFERENCE_CHARS
from orders_core.rules.roles import Person, require
from orders_core.staff.verification import verify
from orders_core.storage import dialect, tracking_grams
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one, fetch_value

PAYMENT_METHODS = ("Credit card", "Debit card", "Insurance direct bill", "E-transfer", "Cheque")
TRACKING_PATTERN = re.compile(r"^[A-Z0-9-]{4,40}$")

# Actions that change the grams an order counts (or re-check them) hold the allowance ledger row.
HOLDS_ALLOWANCE = frozenset({"Verify", "Edit", "Cancel"})

# The role table's action behind each lifecycle action (orders_core.rules.roles).
ROLE_ACTIONS = {"Verify": "verify_order", "Edit": "edit_order", "Place Order": "place_order",
                "Mark as Shipped": "mark_shipped", "Mark as Delivered": "mark_delivered", "Cancel": "cancel_order"}

# action -> (the statuses it starts from, the status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "Verify": (("Unverified",), "Open"),
    "Edit": (("Open",), "Open"),
    "Place Order": (("Open",), "Order Placed"),
    "Mark as Shipped": (("Order Placed",), "Shipped"),
    "Mark as Delivered": (("Shipped",), "Delivered"),
    "Cancel": (("Unverified", "Open", "Order Placed"), "Cancelled"),
}


class LifecycleError(OrderRefused):
    """An action refused, with its reasons; nothing was changed."""


class StaleOrder(LifecycleError):
    """The order changed since the CSR looked at it."""


@dataclass(frozen=True)
class ActionResult:
    order_id: int
    status: str
    version: int
    details: str


@dataclass(frozen=True)
class _Order:
    order_id: int
    client_id: int
    status: str
    version: int
    archived: bool
    created_on: dt.date
    shipped_on: dt.date | None
    grams: Decimal | None


def allowed_actions(status: str, archived: bool = False) -> list[str]:
    """The lifecycle actions offered for an order in ``status`` (none while it is archived)."""
    if archived:
        return []
    return [action for action, (starts, _) in TRANSITIONS.items() if status in starts]


def _load(cur: Cursor, order_id: int) -> _Order:
    row = fetch_one(
        cur,
        f"""
        SELECT order_id, client_id, status::VARCHAR, version, archived_at IS NOT NULL, created_at::DATE,
               shipped_on, grams
        FROM orders WHERE order_id = ?{dialect.of(cur).lock_row}
        """,
        [order_id],
    )
    if row is None:
        raise LifecycleError([no_order(order_id)])
    return _Order(*row)


# The refusal sentences, one place for one order (below) and many at once (``bulk_lifecycle``).
def no_order(order_id: int) -> str:
    return f"There is no order {order_id}."


def status_refusal(order_id: int, status: str, archived: bool, action: str) -> str | None:
    """Why ``action`` is refused for an order in ``status`` (archived or not), or ``None``."""
    starts, _ = TRANSITIONS[action]
    if status not in starts:
        return (f"Order {order_id} is {status}; '{action}' is only possible for orders that are "
                f"{' or '.join(starts)}.")
    if archived:
        return f"Order {order_id} is archived; unarchive it before '{action}'."
    return None


def day_refusal(day: dt.date, what: str, earliest: dt.date | None, today: dt.date) -> str | None:
    """Why the ``what`` date ``day`` is refused (in the future, or before ``earliest``), or ``None``."""
    if day > today:
        return f"The {what} date {day:%Y-%m-%d} is in the future."
    if earliest and day < earliest:
        return f"The {what} date {day:%Y-%m-%d} is before {earliest:%Y-%m-%d}."
    return None


def tracking_refusal(tracking: str) -> str | None:
    """Why a (normalised, non-empty) tracking number is refused, or ``None``."""
    return None if TRACKING_PATTERN.match(tracking) else "A tracking number has 4 to 40 letters, digits or dashes."


def unknown_carrier(carrier: str) -> str:
    return f"'{carrier[:40]}' is not one of our carriers."


def _check(order: _Order, action: str, expected_version: int | None) -> str:
    """The status the action leads to, or LifecycleError with the reason."""
    if order.archived and expected_version is not None and order.version != expected_version:
        raise StaleOrder([
            f"Order {order.order_id} was archived by someone else since you opened it; nothing was changed. "
            f"Unarchive it to go on: what you typed is kept."
        ])
    if expected_version is not None and order.version != expected_version:
        raise StaleOrder([
            f"Order {order.order_id} was changed by someone else since you opened it (it is now "
            f"{order.status}); nothing was changed. Reload the order and try again."
        ])
    refused = status_refusal(order.order_id, order.status, order.archived, action)
    if refused:
        raise LifecycleError([refused])
    return TRANSITIONS[action][1]


def _transition(
    db: Database, order_id: int, actor: Person, action: str, expected_version: int | None,
    apply: Callable[[Cursor, _Order], tuple[dict, str, str]],
) -> ActionResult:
    """Run one action: role, load, check, ``apply`` (returns columns to set, event kind, details), write, event.

    The actor's role must allow the action (``ROLE_ACTIONS``) and let them see the order in its status
    (a Fulfillment Associate sees only orders in Order Placed, Shipped, Delivered): ``NotAllowed``
    otherwise, checked in the write's transaction before anything is written."""

    def work(cur: Cursor) -> ActionResult:
        verify(cur, actor, ROLE_ACTIONS[action])
        order = _load(cur, order_id)
        require(actor, "view_orders", status=order.status)
        to = _check(order, action, expected_version)
        held = allowance_ledger.hold(cur, order.client_id, order.created_on) if action in HOLDS_ALLOWANCE else None
        sets, kind, details = apply(cur, order)
        sets = {"status": to, **sets}
        assignments = ", ".join(f"{col} = ?" for col in sets)  # our own column names, never user text
        cur.execute(
            f"UPDATE orders SET {assignments}, version = version + 1, updated_at = now()::TIMESTAMP "
            "WHERE order_id = ? AND version = ?",
            [*sets.values(), order_id, order.version],
        )
        version = fetch_value(cur, "SELECT version FROM orders WHERE order_id = ?", [order_id])
        if version != order.version + 1:
            raise StaleOrder([f"Order {order_id} was changed by someone else; nothing was changed."])
        if "tracking_number" in sets:
            tracking_grams.keep(cur, [order_id])
        record_event(cur, order_id, actor, kind, details)
        allowance_ledger.settle(cur, [held] if held else [])
        return ActionResult(order_id, to, version, details)

    return db.write(work)


def _text(value: str | None, what: str, reasons: list[str], limit: int = MAX_NOTE_CHARS) -> str:
    text = (value or "").strip()
    if not text:
        reasons.append(f"Enter the {what}.")
    elif len(text) > limit:
        reasons.append(f"The {what} is longer than {limit} characters.")
    return text


def _day(value: dt.date | None, what: str, earliest: dt.date | None, today: dt.date, reasons: list[str]) -> dt.date:
    day = value or today
    if not isinstance(day, dt.date):
        reasons.append(f"The {what} date is not a date.")
    elif refused := day_refusal(day, what, earliest, today):
        reasons.append(refused)
    return day


# --------------------------------------------------------------------------- actions


def verify_order(
    db: Database, order_id: int, actor: Person, *, expected_version: int | None = None, today: dt.date | None = None
) -> ActionResult:
    """Unverified -> Open after the same checks as creation; LifecycleError lists every failure."""
    today = today or dt.date.today()

    def apply(cur: Cursor, order: _Order) -> tuple[dict, str, str]:
        draft = stored_draft(cur, order.order_id)
        review = _review_order(cur, draft, today=today, order_day=order.created_on,
                              exclude_order_id=order.order_id, csr_fields=False,
                              kept_skus=frozenset(ln.sku for ln in draft.lines))
        if not review.ok:
            raise LifecycleError([f"Order {order.order_id} cannot be verified:", *review.reasons])
        address = review.client.address
        return {}, "verified", f"Unverified → Open; checks passed (ships to {address})"

    return _transition(db, order_id, actor, "Verify", expected_version, apply)


def stored_draft(cur: Cursor, order_id: int) -> OrderDraft:
    """The order as a draft, with its stored prices and discounts (to re-run the checks)."""
    head = fetch_one(
        cur,
        "SELECT client_id, order_discount, carrier, shipping_charge, placed_by, return_policy_agreed "
        "FROM orders WHERE order_id = ?",
        [order_id],
    )
    lines = cur.execute(
        "SELECT sku, units, unit_price, line_discount FROM order_lines WHERE order_id = ? ORDER BY line_no",
        [order_id],
    ).fetchall()
    return OrderDraft(head[0], [DraftLine(*ln) for ln in lines], head[1], head[2], head[3], head[4], head[5],
                      prices_confirmed=True)  # stored prices were confirmed when they were saved


def edit_order(
    db: Database, order_id: int, actor: Person, *, lines: Sequence[DraftLine], order_discount: object = "0",
    carrier: str | None = None, shipping_charge: object = "0", expected_version: int | None = None,
    today: dt.date | None = None, prices_confirmed: bool = False,
) -> ActionResult:
    """Change an Open order's lines, discounts and shipping; the same checks as creation, totals recomputed."""
    today = today or dt.date.today()

    def apply(cur: Cursor, order: _Order) -> tuple[dict, str, str]:
        before = stored_draft(cur, order.order_id)
        draft = OrderDraft(order.client_id, list(lines), order_discount, carrier, shipping_charge,
                           before.placed_by, before.return_policy_agreed, prices_confirmed)
        review = _review_order(cur, draft, today=today, order_day=order.created_on,
                              exclude_order_id=order.order_id, csr_fields=False,
                              kept_skus=frozenset(ln.sku for ln in before.lines))
        if not review.ok:
            raise LifecycleError([f"Order {order.order_id} cannot be changed:", *review.reasons])
        old = fetch_one(cur, "SELECT total_due, grams FROM orders WHERE order_id = ?", [order.order_id])
        old_lines = "; ".join(f"{ln.units} x {ln.sku} @ {formatting.money(Decimal(ln.unit_price))}"
                              + (f" less {formatting.money(Decimal(ln.line_discount))}" if ln.line_discount else "")
                              for ln in before.lines)
        cur.execute(
            """
            INSERT INTO order_line_history
                (order_id, line_no, sku, units, unit_price, line_discount, replaced_at, replaced_by,
                 order_version, replaced_by_email)
            SELECT order_id, line_no, sku, units, unit_price, line_discount, now()::TIMESTAMP, ?, ?, ?
            FROM order_lines WHERE order_id = ?
            """,
            [actor.name, order.version, actor.email, order.order_id],
        )
        cur.execute("DELETE FROM order_lines WHERE order_id = ?", [order.order_id])
        insert_lines(cur, order.order_id, review.lines)
        write_coverage(cur, order.order_id, review.coverage)
        t = review.totals
        details = (
            f"Edited. Before: {old_lines}; order discount {formatting.money(before.order_discount)}; carrier "
            f"{before.carrier or '(none)'}; shipping {formatting.money(before.shipping_charge)}; Total Due {formatting.money(old[0])}; "
            f"{formatting.grams(old[1]) if old[1] is not None else 'no cannabis'}. "
            f"After: {describe_lines(review.lines)}; order discount {formatting.money(t.order_discount)}; carrier "
            f"{review.carrier or '(none)'}; shipping {formatting.money(t.shipping_charge)}; Total Due {formatting.money(t.total_due)}; "
            f"{formatting.grams(t.grams) if t.grams is not None else 'no cannabis'}."
        )
        sets = {
            "subtotal": t.subtotal, "line_discount_total": t.line_discount_total,
            "order_discount": t.order_discount, "coverage_amount": t.coverage_amount,
            "shipping_charge": t.shipping_charge, "total_due": t.total_due, "grams": t.grams,
            "carrier": review.carrier,
        }
        return sets, "edited", details

    return _transition(db, order_id, actor, "Edit", expected_version, apply)


def place_order(
    db: Database, order_id: int, actor: Person, *, payment_method: str, payment_reference: str,
    expected_version: int | None = None,
) -> ActionResult:
    """Open -> Order Placed, recording the payment (method and reference)."""
    reasons: list[str] = []
    if payment_method not in PAYMENT_METHODS:
        reasons.append(f"Choose a payment method: {', '.join(PAYMENT_METHODS)}.")
    reference = _text(payment_reference, "payment reference", reasons, MAX_REFERENCE_CHARS)
    if reasons:
        raise LifecycleError(reasons)

    def apply(cur: Cursor, order: _Order) -> tuple[dict, str, str]:
        if fetch_value(cur, "SELECT carrier FROM orders WHERE order_id = ?", [order.order_id]) is None:
            raise LifecycleError([f"Order {order.order_id} has no carrier: Edit it to choose one before placing "
                                  f"it, so that the picking list says how it ships."])
        sets = {"payment_method": payment_method, "payment_reference": reference}
        return sets, "status", f"Open → Order Placed; paid by {payment_method}, reference {reference}"

    return _transition(db, order_id, actor, "Place Order", expected_version, apply)


def normalise_tracking(text: str | None) -> str:
    """Tracking numbers are stored upper-case without spaces."""
    return re.sub(r"\s+", "", text or "").upper()


def shipped_details(day: dt.date, carrier: str, tracking: str) -> str:
    return f"Order Placed → Shipped on {day:%Y-%m-%d} by {carrier}, tracking {tracking}"


def delivered_details(day: dt.date) -> str:
    return f"Shipped → Delivered on {day:%Y-%m-%d}"


def ship_order(
    db: Database, order_id: int, actor: Person, *, carrier: str | None, tracking_number: str | None,
    shipped_on: dt.date | None = None, expected_version: int | None = None, today: dt.date | None = None,
) -> ActionResult:
    """Order Placed -> Shipped: carrier and tracking number required; sets Shipped On."""
    today = today or dt.date.today()
    reasons: list[str] = []
    carrier = (carrier or "").strip()
    if not carrier:
        reasons.append("Choose the carrier.")
    tracking = normalise_tracking(tracking_number)
    if not tracking:
        reasons.append("Enter the tracking number.")
    elif refused := tracking_refusal(tracking):
        reasons.append(refused)
    if reasons:
        raise LifecycleError(reasons)

    def apply(cur: Cursor, order: _Order) -> tuple[dict, str, str]:
        problems: list[str] = []
        if not fetch_value(cur, "SELECT count(*) FROM carriers WHERE name = ?", [carrier]):
            problems.append(unknown_carrier(carrier))
        day = _day(shipped_on, "shipped-on", order.created_on, today, problems)
        if problems:
            raise LifecycleError(problems)
        sets = {"carrier": carrier, "tracking_number": tracking, "shipped_on": day}
        return sets, "status", shipped_details(day, carrier, tracking)

    return _transition(db, order_id, actor, "Mark as Shipped", expected_version, apply)


def deliver_order(
    db: Database, order_id: int, actor: Person, *, delivered_on: dt.date | None = None,
    expected_version: int | None = None, today: dt.date | None = None,
) -> ActionResult:
    """Shipped -> Delivered (the carrier confirmed delivery, or a CSR marks it)."""
    today = today or dt.date.today()

    def apply(cur: Cursor, order: _Order) -> tuple[dict, str, str]:
        problems: list[str] = []
        day = _day(delivered_on, "delivered-on", order.shipped_on, today, problems)
        if problems:
            raise LifecycleError(problems)
        return {"delivered_on": day}, "status", delivered_details(day)

    return _transition(db, order_id, actor, "Mark as Delivered", expected_version, apply)


def cancel_order(
    db: Database, order_id: int, actor: Person, *, reason: str, expected_version: int | None = None
) -> ActionResult:
    """Cancel an order that has not shipped; its grams go back to the prescription period."""
    problems: list[str] = []
    text = _text(reason, "reason for cancelling", problems)
    if problems:
        raise LifecycleError(problems)

    def apply(cur: Cursor, order: _Order) -> tuple[dict, str, str]:
        back = f"; {formatting.grams(order.grams)} given back to the period" if order.grams is not None else ""
        return {"cancel_reason": text}, "status", f"{order.status} → Cancelled: {text}{back}"

    return _transition(db, order_id, actor, "Cancel", expected_version, apply)
