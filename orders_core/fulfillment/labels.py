"""Client-specific labels: one per cannabis unit of an order, printed and reprinted on the record.

What the Cannabis Regulations (SOR/2018-144) say, read in full in the Justice Laws XML consolidation
(``justicecanada/laws-lois-xml`` eng/regulations/SOR-2018-144.xml, current to 2026-06-14): no provision of the
current text requires a holder of a licence for sale for medical purposes to apply a client-specific label.
The text has no "client-specific" anywhere; Part 7's label (s. 123(1)) is the processor's product label
(processor's name and contact, class, brand name, lot number, storage conditions, packaging date, warnings);
Part 14 Division 1 (ss. 282 to 297) puts the client's information in the registration document instead:
s. 282(2)(a) "(i) the name of the holder, (ii) the client's given name, surname and date of birth, (iii) the
given name and surname of the health care practitioner who provided the client's medical document", (iv) any
named responsible adults, (v) whether the registration is based on a medical document or a registration
certificate, "(vi) the daily quantity of dried cannabis, expressed in grams", (vii)/(viii) the shipping
address, "(ix) the date of expiry of the registration". A client's possession limit is "30 times the daily
quantity of dried cannabis indicated in their registration document" (s. 266(2)(a)), not on a label.

So this label is the seller's own practice, not a regulatory element list: it repeats registration-document
items (i), (ii) without the date of birth, (iii), (vi), (vii) and (ix), so that the unit can be matched to the
client and the document. Each label holds (``label_pdf.label_lines`` draws them; the tests read every one back
with ``pdftotext``):

1. the client's given name and surname (``clients.name``);
2. the client's unique identifier, their registration with this seller (``clients.client_id``);
3. the given name and surname of the health care practitioner who provided the medical document
   (``prescriptions.prescriber``);
4. the daily quantity of dried cannabis, in grams, that the practitioner authorized
   (``prescriptions.grams_per_day``);
5. the date the client's registration expires: the end of the medical document's period of use
   (``prescriptions.valid_until``);
6. the name of the holder of the licence for sale that sells and ships the product, with its telephone
   number and e-mail (``ORDERS_LICENCE_HOLDER``, ``ORDERS_LICENCE_HOLDER_CONTACT``);
7. the shipping address on the client's registration document (ss. 282, 291), where the unit goes;
8. the product: its name, brand, lot number, net content and dried-cannabis equivalent (the product label's
   identity, repeated so that the client label can be matched to the container);
9. the date of the label (the order's shipped-on date once it has shipped, else the day it is printed).

Decisions:
- One label per unit of a cannabis product; accessories (not cannabis) get none, as the picking list says.
  Units are numbered 1..n over the order's cannabis units in line order; the barcode holds ``ORDER-UNIT``
  (``rules.code128``) and the packing station reads it back to that unit.
- Labels are printed for orders whose lines are final: Order Placed, Shipped or Delivered, not archived.
  Any other order, an unknown one, or one whose client has no medical document on file refuses the whole
  print in one sentence, and nothing is recorded.
- Every print and reprint records, in the print's transaction, one ``label_prints`` row and one event
  ("labels") per order (a reprint says so), and one access-log row (the labels carry health information).
- A Fulfillment Associate prints them although the pages never show them a prescription, so they see the
  practitioner and the daily quantity on the label. No section of the current regulations requires those two
  on a label (see above); printing them is this product's choice, and whether to keep them is the licence
  holder's decision.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from orders_core.fulfillment.label_pdf import STOCKS, LabelUnit, render
from orders_core.fulfillment.picking import licence_holder_name
from orders_core.rules import formatting
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.transactions import next_id

LABEL_STATUSES = ("Order Placed", "Shipped", "Delivered")
CONTACT_ENV = "ORDERS_LICENCE_HOLDER_CONTACT"
DEFAULT_CONTACT = "1-800-555-0100 · orders@licence-holder.example"
EVENT_KIND = "labels"
MAX_ORDERS = 5_000

# What every label must hold: this product's list (the docstring), not one the regulations set.
REQUIRED_ELEMENTS = (
    "client's name", "client ID", "health care practitioner", "daily quantity", "registration expiry date",
    "licence holder's name and contact", "shipping address", "product, brand, lot, net content, equivalent",
    "date",
)


class LabelRefused(Refused):
    """Labels that cannot be printed as asked, said in one sentence; nothing was recorded."""


@dataclass(frozen=True)
class LabelPrint:
    number: int
    pdf: bytes
    order_ids: list[int]
    labels: int
    stock: str


def holder_contact() -> str:
    value = os.environ.get(CONTACT_ENV, "").strip()
    return value or DEFAULT_CONTACT


_UNITS = """
    SELECT t.id, o.status::VARCHAR, o.archived_at IS NOT NULL, o.shipped_on,
           c.client_id, c.name, c.address_line1, c.address_line2, c.city, c.province, c.postal_code,
           rx.grams_per_day, rx.valid_until, rx.prescriber,
           cl.line_no, cl.sku, cl.name, cl.brand, cl.lot_number, cl.net_content, cl.net_unit, cl.dried_equiv_grams,
           cl.units
    FROM (SELECT unnest(?::BIGINT[]) AS id) t
    LEFT JOIN orders o ON o.order_id = t.id
    LEFT JOIN clients c ON c.client_id = o.client_id
    LEFT JOIN (SELECT client_id, grams_per_day, valid_until, prescriber
               FROM (SELECT client_id, grams_per_day, valid_until, prescriber,
                            row_number() OVER (PARTITION BY client_id
                                               ORDER BY valid_from DESC, prescription_id DESC) AS n
                     FROM prescriptions WHERE active
                       AND client_id IN (SELECT client_id FROM orders WHERE order_id IN (SELECT unnest(?::BIGINT[]))))
                    r WHERE n = 1) rx ON rx.client_id = o.client_id
    LEFT JOIN (SELECT l.order_id, l.line_no, l.sku, p.name, p.brand, p.lot_number, p.net_content, p.net_unit,
                      p.dried_equiv_grams, l.units
               FROM order_lines l JOIN products p ON p.sku = l.sku AND p.is_cannabis
               WHERE l.order_id IN (SELECT unnest(?::BIGINT[]))) cl ON cl.order_id = o.order_id
    ORDER BY t.id, cl.line_no
"""


def parse_ids(order_ids: Sequence[int]) -> list[int]:
    try:
        ids = sorted({int(i) for i in order_ids})
    except (TypeError, ValueError):
        raise LabelRefused("Order IDs are whole numbers, such as 100123.") from None
    if not ids:
        raise LabelRefused("No orders were chosen, so there are no labels to print.")
    if len(ids) > MAX_ORDERS:
        raise LabelRefused(f"Print labels for at most {MAX_ORDERS:,} orders at once; this asks for {len(ids):,}.")
    return ids


def label_units(cur: Cursor, order_ids: Sequence[int], *, today: dt.date | None = None) -> list[LabelUnit]:
    """Every label the orders need, in Order ID then line order; ``LabelRefused`` if any order cannot have them."""
    ids = parse_ids(order_ids)
    today = today or dt.date.today()
    holder, contact = licence_holder_name(), holder_contact()
    rows = cur.execute(_UNITS, [ids, ids, ids]).fetchall()
    refused: list[str] = []
    units: list[LabelUnit] = []
    by_order: dict[int, list[LabelUnit]] = {}
    for r in rows:
        (order_id, status, archived, shipped_on, client_id, name, a1, a2, city, prov, postal, gpd, until, prescriber,
         line_no, sku, product, brand, lot, net, net_unit, equiv, count) = r
        if status is None:
            refused.append(f"{order_id} (does not exist)")
        elif archived:
            refused.append(f"{order_id} (archived)")
        elif status not in LABEL_STATUSES:
            refused.append(f"{order_id} ({status})")
        elif gpd is None:
            refused.append(f"{order_id} (its client has no medical document on file)")
        if refused and refused[-1].startswith(f"{order_id} ") or line_no is None:
            continue
        address = ", ".join(p for p in (a1, a2, f"{city} {prov}  {postal}") if p)
        mine = by_order.setdefault(order_id, [])
        for _ in range(int(count)):
            unit = LabelUnit(order_id, len(mine) + 1, 0, client_id, name, address, prescriber, Decimal(gpd), until,
                             product, brand, sku, lot, f"{formatting.grams(net, unit=False)} {net_unit}",
                             Decimal(equiv), holder, contact, shipped_on or today)
            mine.append(unit)
            units.append(unit)
    if refused:
        unique = list(dict.fromkeys(refused))
        more = f" and {len(unique) - 5:,} more" if len(unique) > 5 else ""
        raise LabelRefused("Labels are printed only for non-archived orders in Order Placed, Shipped or Delivered "
                           f"whose client has a medical document on file, so not for: {', '.join(unique[:5])}{more}.")
    totals = {order_id: len(v) for order_id, v in by_order.items()}
    return [_with_count(u, totals[u.order_id]) for u in units]


def _with_count(u: LabelUnit, n: int) -> LabelUnit:
    return replace(u, unit_count=n)


def print_labels(
    db: Database, order_ids: Sequence[int], actor: Person, *, stock: str = "4x6", today: dt.date | None = None,
    before_commit: Callable[[bytes], None] | None = None,
) -> LabelPrint:
    """Render every label of ``order_ids`` and record the print on each order, in one transaction.

    ``before_commit(pdf)`` gets the PDF inside the transaction (the command line writes the file there): if
    it raises, nothing is recorded. ``LabelRefused`` or ``NotAllowed`` (one sentence) and nothing recorded
    for orders that cannot have labels, an unknown stock, or a person whose role may not print them."""
    if stock not in STOCKS:
        raise LabelRefused(f"{str(stock)[:20]!r} is not a label stock we print on ({', '.join(STOCKS)}).")

    def work(cur: Cursor) -> LabelPrint:
        verify(cur, actor, "print_labels")
        units = label_units(cur, order_ids, today=today)
        ids = parse_ids(order_ids)
        if not units:
            raise LabelRefused("These orders hold no cannabis units, so there are no client labels to print.")
        number = next_id(cur, "label_print_ids")
        earlier = {r[0] for r in cur.execute(
            "SELECT DISTINCT order_id FROM label_prints WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids]
        ).fetchall()}
        counts = {i: 0 for i in ids}
        for u in units:
            counts[u.order_id] += 1
        details = [f"{'Reprinted' if i in earlier else 'Printed'} {counts[i]:,} client label"
                   f"{'' if counts[i] == 1 else 's'} ({stock}), print {number}" for i in ids]
        cur.execute(
            "INSERT INTO label_prints (print_id, order_id, printed_at, actor, actor_email, stock, labels, reprint) "
            "SELECT ?, id, now()::TIMESTAMP, ?, ?, ?, n, r FROM (SELECT unnest(?::BIGINT[]) AS id, "
            "unnest(?::INTEGER[]) AS n, unnest(?::BOOLEAN[]) AS r) t",
            [number, actor.name, actor.email, stock, ids, [counts[i] for i in ids], [i in earlier for i in ids]],
        )
        cur.execute(
            "INSERT INTO order_events (event_id, order_id, event_at, actor, kind, details, actor_email) "
            "SELECT nextval('event_ids'), id, now()::TIMESTAMP, ?, ?, d, ? "
            "FROM (SELECT unnest(?::BIGINT[]) AS id, unnest(?::VARCHAR[]) AS d) t",
            [actor.name, EVENT_KIND, actor.email, ids, details],
        )
        access_log.record(cur, actor, access_log.EXPORT, what="Client labels",
                          filters=f"orders {_ids_text(ids)}, {stock}", rows=len(units))
        pdf = render(units, stock, title=f"Client labels, print {number}")
        if before_commit is not None:
            before_commit(pdf)
        return LabelPrint(number, pdf, ids, len(units), stock)

    return db.write(work)


def _ids_text(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:20])
    return shown + (f" and {len(ids) - 20:,} more" if len(ids) > 20 else "")


def label_history(cur: Cursor, order_id: int) -> list[tuple[dt.datetime, str, str, int, bool]]:
    """(when, who, stock, labels, reprint) for every print of the order's labels, oldest first."""
    return [tuple(r) for r in cur.execute(
        "SELECT printed_at, actor || ' (' || actor_email || ')', stock, labels, reprint FROM label_prints "
        "WHERE order_id = ? ORDER BY print_id", [order_id]).fetchall()]
