"""Replacements (Cannabis Regulations s. 293): from a return, the order that sends the client new products.

Decisions (from s. 293's text, see ``rules.allowance``, and ours where it is silent):
- One replacement per return, created by a CSR (``refund_order``). Its lines default to what came back; the
  CSR may choose other products or fewer units (a recalled lot is replaced by another product).
- s. 293(1): the replacement holds at most the equivalent of 150 g of dried cannabis
  (``allowance.REPLACEMENT_LIMIT_GRAMS``), and plants and seeds are not replaced this way (s. 293(2) measures
  them in plants under production): refused with the reason. It does not count against the client's 30-day
  period allowance (``allowance.COUNTED_SQL``, the ledger), and is not held to the per-order shipment cap.
- It ships to the client's registered address (every order does, s. 291), so the client's registration must
  be Approved and the address complete; the carrier is the returned order's.
- Nothing is charged: its lines are at $0.00 and it is created in Order Placed (nothing to pay), so it goes
  straight onto the picking list. Its source: ``orders.source`` keeps its three ENUM values (see migration 11),
  so a replacement is an order with ``replaces_return_id`` set, shown as source "Replacement"; its stored
  source is CSR, who created it.
- Products no longer sold cannot be sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from orders_core.orders.events import record_event
from orders_core.returns import state
from orders_core.returns.state import ReturnRefused
from orders_core.rules import allowance, formatting
from orders_core.rules.limits import MAX_UNITS
from orders_core.rules.numbers import NumberError, parse_units
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.transactions import next_id

SOURCE_LABEL = "Replacement"
NO_CHARGE = "No charge (replacement)"


def default_lines(cur: Cursor, return_id: int) -> dict[str, int]:
    """What came back on the return, SKU -> units (the replacement's default lines)."""
    rows = cur.execute("SELECT sku, sum(units) FROM order_return_lines WHERE return_id = ? GROUP BY sku ORDER BY sku",
                       [return_id]).fetchall()
    return {sku: int(units) for sku, units in rows}


def _product(cur: Cursor, sku: str) -> tuple | None:
    return fetch_one(
        cur,
        "SELECT p.sku, p.name, p.is_cannabis, CASE WHEN p.is_cannabis THEN p.dried_equiv_grams ELSE 0 END, p.active, "
        "c.regulatory_class FROM products p LEFT JOIN product_classes c USING (sku) WHERE p.sku = ?",
        [sku],
    )


def create_replacement(
    db: Database, return_id: int, actor: Person, *, lines: Mapping[str, object] | None = None,
) -> int:
    """Create the replacement order of ``return_id`` (``lines``: SKU -> units; default what came back); its Order ID."""

    def work(cur: Cursor) -> int:
        person = verify(cur, actor, "refund_order")
        ret = fetch_one(cur, "SELECT order_id, grams FROM order_returns WHERE return_id = ?", [return_id])
        if ret is None:
            raise ReturnRefused(f"There is no return {return_id}.")
        order_id, returned_grams = ret
        head = state.load_order(cur, order_id)
        state.claim(cur, order_id, sum(ln.units for ln in state.load_lines(cur, order_id)))
        done = fetch_value(cur, "SELECT order_id FROM orders WHERE replaces_return_id = ?", [return_id])
        if done is not None:
            raise ReturnRefused(f"Return {return_id} was already replaced by order {done}.")
        client = fetch_one(cur, "SELECT name, registration_status::VARCHAR, address_line1, city, province, postal_code "
                                "FROM clients WHERE client_id = ?", [head.client_id])
        if client[1] != "Approved":
            raise ReturnRefused(f"{client[0]}'s registration is {client[1]}, not Approved, so nothing can be sent to them.")
        if not all(client[2:]):
            raise ReturnRefused(f"{client[0]}'s registered shipping address is incomplete; orders ship only there.")
        wanted = dict(lines) if lines else default_lines(cur, return_id)
        if not wanted:
            raise ReturnRefused("Choose at least one product for the replacement.")
        priced, grams, cannabis = [], Decimal(0), False
        for sku, typed in wanted.items():
            try:
                units = parse_units(typed, f"The units of {str(sku)[:40]}", maximum=MAX_UNITS)
            except NumberError as exc:
                raise ReturnRefused(str(exc)) from None
            product = _product(cur, str(sku)) if sku and len(str(sku)) <= 50 else None
            if product is None:
                raise ReturnRefused(f"There is no product with SKU {str(sku)[:40]!r}.")
            if not product[4]:
                raise ReturnRefused(f"{product[1]} ({sku}) is no longer sold.")
            if (product[5] or "") in allowance.NOT_REPLACEABLE_CLASSES:
                raise ReturnRefused(f"{product[1]} ({sku}) is {product[5]}: plants and seeds are not replaced this way "
                                    "(Cannabis Regulations s. 293(2)).")
            priced.append((product[0], units))
            grams += product[3] * units
            cannabis = cannabis or product[2]
        reasons = allowance.replacement_reasons(grams, Decimal(returned_grams))
        if reasons:
            raise ReturnRefused(reasons[0])
        new_id = next_id(cur, "order_ids")
        cur.execute(
            """
            INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal, line_discount_total,
                order_discount, coverage_amount, shipping_charge, total_due, grams, carrier, payment_method,
                payment_reference, return_policy_agreed, version, updated_at, replaces_return_id)
            VALUES (?, ?, 'CSR', ?, now()::TIMESTAMP, 'Order Placed', 0, 0, 0, 0, 0, 0, ?, ?, ?, ?, TRUE, 1,
                    now()::TIMESTAMP, ?)
            """,
            [new_id, head.client_id, person.name, grams if cannabis else None, head.carrier, NO_CHARGE,
             f"Return {return_id}", return_id],
        )
        cur.executemany("INSERT INTO order_lines VALUES (?, ?, ?, ?, 0, 0)",
                        [[new_id, n, sku, units] for n, (sku, units) in enumerate(priced, 1)])
        what = "; ".join(f"{u} x {s}" for s, u in priced)
        shown = formatting.grams(grams) if cannabis else "no cannabis"
        record_event(cur, new_id, person, "created",
                     f"Replacement (Cannabis Regulations s. 293) for return {return_id} of order {order_id}, created by "
                     f"{person.name}: {what}; {shown}; no charge; Order Placed")
        record_event(cur, order_id, person, "replaced", f"Return {return_id} replaced by order {new_id}: {what}; {shown}")
        state.touch(cur, order_id)
        return new_id

    return db.write(work)
