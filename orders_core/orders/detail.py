"""Everything the Order Profile shows: the s.289 purchase-order record, money, shipping, lines, events.

Who sees what (the role table; ``get_order(cur, order_id, person)`` decides, pages only draw it):
- A role that may see client records (CSR, Operations Manager, Administrator): the whole order, with
  the s. 289 record (the client's date of birth), money and coverage, lines with prices, and the event
  history, each event's author as "Name (email)" as they were then.
- A Fulfillment Associate (``roles.shipping_fields_only``): only orders in Order Placed, Shipped or
  Delivered (any other status is ``NotAllowed``, one sentence), and only what shipping needs. Decision:
  the order's id, status, source, created and last-changed times, archived time, carrier, tracking
  number, shipped and delivered dates; the client's name, id and registered address (the ship-to);
  each line's SKU, product, brand, units and lot. Nothing else: no date of birth, e-mail or phone, no
  prescription, grams or allowance, no prices, discounts, totals, coverage or payment, no "order placed
  by", no cancel reason and no event history (its details quote prices and grams). The fields left out
  are None (``placed_by`` ""), ``lines`` has only those columns, ``events`` is empty, and
  ``shipping_only`` is True so the page draws only the shipping sections.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from orders_core.clients.records import Client, _load_client
from orders_core.orders.coverage import PolicyPayment, order_payments
from orders_core.orders.lifecycle import allowed_actions
from orders_core.rules.parsing import id_in
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person, require, shipping_fields_only
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.reads import fetch_frame, fetch_one

SHIPPING_LINE_COLUMNS = ["Line", "SKU", "Product", "Brand", "Units", "Lot"]


class BadOrderId(Refused, ValueError):
    """An order id that is missing, malformed or unknown, said in one sentence."""


def parse_order_id(text: object) -> int:
    """The order id in ``text`` (e.g. from ``?id=``), or BadOrderId with one sentence."""
    if text is None or not str(text).strip():
        raise BadOrderId("No order was chosen: open an order from the Orders page (the link needs ?id=<order id>).")
    found = id_in(text)
    if found is None:
        raise BadOrderId(f"'{str(text)[:40]}' is not an order id: an order id is a number such as 100123.")
    return found


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
    payments: tuple[PolicyPayment, ...] = ()
    shipping_only: bool = False  # a Fulfillment Associate's view: see the module docstring

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
            *self.coverage_rows(),
            ("Shipping", self.shipping_charge),
            ("Total Due", self.total_due),
        ]

    def coverage_rows(self) -> list[tuple[str, Decimal]]:
        """One row per policy that paid (as stored with the order); one total row for older data without them."""
        paid = [p for p in self.payments if p.amount > 0]
        recorded = sum((p.amount for p in paid), Decimal("0"))
        rows = [(f"Policy coverage: {p.insurer}", -p.amount) for p in paid]
        if self.coverage_amount != recorded or not rows:
            label = "Policy coverage" if not rows else "Policy coverage: insurer not recorded"
            rows.append((label, -(self.coverage_amount - recorded)))
        return rows

    def purchase_record(self) -> list[tuple[str, str]]:
        """The purchase-order record of s. 289 of the Cannabis Regulations."""
        c = self.client
        return [
            ("Date", f"{self.created_at:%Y-%m-%d %H:%M}"),
            ("Client", c.name),
            ("Date of birth", f"{c.date_of_birth:%Y-%m-%d}"),
            ("Client ID", str(c.client_id)),
            ("Order placed by", self.placed_by),
            ("Recorded by", self.recorded_by()),
            ("Ships to (registered address)", c.address),
        ]

    def recorded_by(self) -> str:
        """The member of staff (or process) the order's 'created' event names."""
        created = self.events[self.events["Event"] == "created"]["Who"]
        return str(created.iloc[0]) if len(created) else ""


_HEAD = """
    SELECT order_id, status::VARCHAR, source::VARCHAR, placed_by, created_at, updated_at, version,
           subtotal, line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams,
           carrier, tracking_number, shipped_on, delivered_on, payment_method, payment_reference,
           return_policy_agreed, cancel_reason, archived_at, recurring_order_id, client_id
    FROM orders WHERE order_id = ?
"""


def get_order(cur: Cursor, order_id: int, person: Person) -> OrderDetail | None:
    """The order as ``person`` may see it (module docstring), or None when there is no such order;
    ``NotAllowed`` (one sentence) when their role may not see it at all or they are not on the staff list
    (``staff.verification``). Opening an order is recorded in the access log (``staff.access_log``)."""
    person = verify(cur, person, "view_orders")
    row = fetch_one(cur, _HEAD, [order_id])
    if row is None:
        return None
    require(person, "view_orders", status=row[1])
    if shipping_fields_only(person):
        detail = _shipping_view(cur, row)
    else:
        require(person, "view_client_records")
        client = _load_client(cur, row[-1])
        detail = OrderDetail(*row[:-1], client=client, lines=order_lines(cur, order_id),
                             events=order_events(cur, order_id), payments=tuple(order_payments(cur, order_id)))
    access_log.record(cur, person, access_log.ORDER, client_id=row[-1], order_id=order_id)
    return detail


_SHIPPING_FIELDS = {"order_id", "status", "source", "created_at", "updated_at", "version", "carrier",
                    "tracking_number", "shipped_on", "delivered_on", "archived_at", "recurring_order_id"}


def _shipping_view(cur: Cursor, row: tuple) -> OrderDetail:
    """The order with only its shipping fields (a Fulfillment Associate's view; module docstring)."""
    names = [f.name for f in dataclasses.fields(OrderDetail)][: len(row) - 1]
    kept = {n: (v if n in _SHIPPING_FIELDS else None) for n, v in zip(names, row[:-1], strict=True)}
    kept["placed_by"], kept["return_policy_agreed"] = "", False
    client = dataclasses.replace(_load_client(cur, row[-1]), date_of_birth=None, email=None, phone=None,
                                 registered_on=None, prescription=None, policies=())
    lines = order_lines(cur, row[0])[SHIPPING_LINE_COLUMNS]
    events = pd.DataFrame(columns=["When", "Who", "Event", "What changed"])
    return OrderDetail(**kept, client=client, lines=lines, events=events, shipping_only=True)


def order_lines(cur: Cursor, order_id: int) -> pd.DataFrame:
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


def order_events(cur: Cursor, order_id: int) -> pd.DataFrame:
    return fetch_frame(
        cur,
        f"""
        SELECT event_at AS "When", {who_sql("actor", "actor_email")} AS "Who", kind AS "Event",
               details AS "What changed"
        FROM order_events WHERE order_id = ? ORDER BY event_at, event_id
        """,
        [order_id],
    )
