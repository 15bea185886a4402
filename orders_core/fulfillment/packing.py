"""The packing station: scan an order's barcode, then each unit going into its parcel, then ship it.

A Fulfillment Associate scans (a USB scanner types the code and Enter; typing works too):

1. the order's barcode on the picking list (the Order ID's digits): the station opens that order. Only a
   non-archived order in Order Placed is packed; anything else is refused in one sentence.
2. each unit: its client label (``ORDER-UNIT``, ``rules.code128``) or the product's own SKU barcode. A
   product that is not on the order, a label of another order, a unit already scanned, or one unit more
   than the order holds is refused in one sentence, and nothing is written.
3. once every unit is in, the tracking number: Mark as Shipped through ``orders.lifecycle.ship_order`` (the
   one path for it) with the carrier chosen (the order's own by default).

Every accepted scan is one ``pack_scans`` row and one order event ("packed": what was scanned, which unit,
how many of how many), with who and when, written in one transaction after the person is checked on the
staff list; so "who packed order N, and when" is the order's history. Scanning is idempotent only in the
sense that a repeated label is refused: the count of each SKU never exceeds the order's units.

Speed (decision): a scan reads the order by its key, its lines and its scans (``pack_scans`` is keyed by
order), writes two rows, and reads the state back: a handful of indexed statements, the same at a thousand
orders as at a million (``bench/bench_fulfillment.py`` times it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orders_core.orders.events import record_event
from orders_core.orders.lifecycle import ActionResult, ship_order
from orders_core.rules import code128
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one

PACK_STATUS = "Order Placed"
EVENT_KIND = "packed"
MAX_CODE_CHARS = 60


class PackRefused(Refused):
    """A scan the station refuses, said in one sentence; nothing was written."""


@dataclass
class PackLine:
    sku: str
    product: str
    is_cannabis: bool
    units: int
    packed: int = 0

    @property
    def left(self) -> int:
        return self.units - self.packed


@dataclass
class PackState:
    order_id: int
    client_name: str
    carrier: str | None
    status: str
    lines: list[PackLine] = field(default_factory=list)
    last_scan: tuple[dt.datetime, str] | None = None  # when and by whom

    @property
    def units(self) -> int:
        return sum(ln.units for ln in self.lines)

    @property
    def packed(self) -> int:
        return sum(ln.packed for ln in self.lines)

    @property
    def complete(self) -> bool:
        return self.status == PACK_STATUS and self.units > 0 and self.packed == self.units


@dataclass(frozen=True)
class ScanResult:
    state: PackState
    message: str


def _lines(cur: Cursor, order_id: int) -> list[tuple[str, str, bool, int]]:
    """(sku, product, is cannabis, units) per SKU, in line order."""
    rows = cur.execute(
        "SELECT l.sku, p.name, p.is_cannabis, sum(l.units), min(l.line_no) FROM order_lines l "
        "JOIN products p ON p.sku = l.sku WHERE l.order_id = ? GROUP BY l.sku, p.name, p.is_cannabis "
        "ORDER BY min(l.line_no)", [order_id]).fetchall()
    return [(r[0], r[1], bool(r[2]), int(r[3])) for r in rows]


def _unit_skus(lines: list[tuple[str, str, bool, int]]) -> list[str]:
    """The SKU of each labelled unit 1..n: the cannabis units in line order (``labels``)."""
    return [sku for sku, _, cannabis, units in lines if cannabis for _ in range(units)]


def pack_state(cur: Cursor, order_id: int) -> PackState | None:
    """The order as the station shows it (None: no such order)."""
    head = fetch_one(cur, "SELECT o.status::VARCHAR, o.carrier, c.name, o.archived_at IS NOT NULL FROM orders o "
                          "JOIN clients c ON c.client_id = o.client_id WHERE o.order_id = ?", [order_id])
    if head is None:
        return None
    status = "Archived" if head[3] else head[0]
    state = PackState(order_id, head[2], head[1], status,
                      [PackLine(sku, name, cannabis, units) for sku, name, cannabis, units in _lines(cur, order_id)])
    counts = dict(cur.execute("SELECT sku, count(*) FROM pack_scans WHERE order_id = ? GROUP BY sku",
                              [order_id]).fetchall())
    for line in state.lines:
        line.packed = int(counts.get(line.sku, 0))
    last = fetch_one(cur, "SELECT scanned_at, actor FROM pack_scans WHERE order_id = ? ORDER BY scan_no DESC LIMIT 1",
                     [order_id])
    state.last_scan = tuple(last) if last else None
    return state


def open_order(cur: Cursor, actor: Person, code: str) -> PackState:
    """The order an order barcode names, ready to pack; ``PackRefused`` (one sentence) otherwise."""
    verify(cur, actor, "pack_orders")
    order_id = code128.parse_order_code(code)
    if order_id is None:
        raise PackRefused(f"“{_shown(code)}” is not an order's barcode; scan the barcode beside the Order ID on "
                          "the picking list.")
    state = pack_state(cur, order_id)
    if state is None:
        raise PackRefused(f"There is no order {order_id}; scan the barcode beside the Order ID on the picking list.")
    if state.status != PACK_STATUS:
        raise PackRefused(f"Order {order_id} is {state.status}; only orders in {PACK_STATUS} are packed.")
    return state


def _shown(code: str) -> str:
    text = " ".join(str(code).split())
    return text if len(text) <= MAX_CODE_CHARS else text[:MAX_CODE_CHARS - 1] + "…"


def scan_unit(db: Database, actor: Person, order_id: int, code: str) -> ScanResult:
    """Put the unit ``code`` names (a client label or a SKU) into order ``order_id``'s parcel, on the record."""
    raw = " ".join(str(code or "").split())
    if not raw:
        raise PackRefused("Scan a unit's label or the product's barcode.")

    def work(cur: Cursor) -> ScanResult:
        verify(cur, actor, "pack_orders")
        state = pack_state(cur, order_id)
        if state is None or state.status != PACK_STATUS:
            raise PackRefused(f"Order {order_id} is {state.status if state else 'gone'}; only orders in "
                              f"{PACK_STATUS} are packed.")
        sku, unit_no, what = _which_unit(cur, state, raw)
        line = next(ln for ln in state.lines if ln.sku == sku)
        if line.left <= 0:
            raise PackRefused(f"One unit too many: order {order_id} has {line.units} × {sku} ({line.product}), and "
                              f"{'it is' if line.units == 1 else 'all are'} already packed.")
        scan_no = int(fetch_one(cur, "SELECT coalesce(max(scan_no), 0) + 1 FROM pack_scans WHERE order_id = ?",
                                [order_id])[0])
        cur.execute("INSERT INTO pack_scans (order_id, scan_no, scanned_at, actor, actor_email, code, sku, unit_no) "
                    "VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?)",
                    [order_id, scan_no, actor.name, actor.email, raw[:MAX_CODE_CHARS], sku, unit_no])
        line.packed += 1
        progress = f"{state.packed} of {state.units} units packed"
        record_event(cur, order_id, actor, EVENT_KIND, f"Scanned {what}: {sku} ({line.product}); {progress}")
        message = f"{what[0].upper()}{what[1:]}: {line.product}. {progress}" + (
            "; the order is complete: scan the tracking number to mark it shipped." if state.complete else ".")
        return ScanResult(state, message)

    return db.write(work)


def _which_unit(cur: Cursor, state: PackState, raw: str) -> tuple[str, int | None, str]:
    """(sku, unit number or None, words for the event) of a scan; ``PackRefused`` when it is not on the order."""
    unit = code128.parse_unit_code(raw)
    if unit is not None:
        order_id, unit_no = unit
        if order_id != state.order_id:
            raise PackRefused(f"That label ({raw}) is for order {order_id}, not order {state.order_id}: it does "
                              "not go in this parcel.")
        skus = _unit_skus([(ln.sku, ln.product, ln.is_cannabis, ln.units) for ln in state.lines])
        if not 1 <= unit_no <= len(skus):
            raise PackRefused(f"Order {state.order_id} has {len(skus)} labelled units, so there is no unit {unit_no}; "
                              "reprint its labels.")
        seen = fetch_one(cur, "SELECT scanned_at, actor FROM pack_scans WHERE order_id = ? AND unit_no = ? LIMIT 1",
                         [state.order_id, unit_no])
        if seen:
            raise PackRefused(f"Unit {unit_no} of order {state.order_id} was already scanned at {seen[0]:%H:%M} by "
                              f"{seen[1]}.")
        return skus[unit_no - 1], unit_no, f"label {raw} (unit {unit_no} of {len(skus)})"
    wanted = raw.casefold()
    for line in state.lines:
        if line.sku.casefold() == wanted:
            return line.sku, None, f"product barcode {line.sku}"
    raise PackRefused(f"“{_shown(raw)}” is not on order {state.order_id}: do not pack it.")


def ship_packed(db: Database, actor: Person, order_id: int, *, carrier: str | None, tracking_number: str | None,
                expected_version: int | None = None) -> ActionResult:
    """Mark a completely packed order as shipped (``lifecycle.ship_order``, today, the scanned tracking number)."""
    state = pack_state(db.cursor(), order_id)
    if state is None or not state.complete:
        left = state.units - state.packed if state else 0
        raise PackRefused(f"Order {order_id} is not completely packed ({left:,} units left to scan); scan them "
                          "before marking it shipped.")
    return ship_order(db, order_id, actor, carrier=carrier, tracking_number=tracking_number,
                      expected_version=expected_version)


def packed_by(cur: Cursor, order_id: int) -> list[tuple[dt.datetime, str, str]]:
    """Who scanned what into order ``order_id``'s parcel, and when (oldest first)."""
    return [tuple(r) for r in cur.execute(
        "SELECT scanned_at, actor || ' (' || actor_email || ')', code FROM pack_scans WHERE order_id = ? "
        "ORDER BY scan_no", [order_id]).fetchall()]
