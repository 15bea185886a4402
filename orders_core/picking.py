"""Picking lists: what a Fulfillment Associate takes into the vault, as a printable PDF.

Which orders
    By default every non-archived order in Order Placed. A chosen set of orders must all be
    non-archived and in Order Placed: otherwise ``generate_picking_list`` refuses with one
    sentence naming the orders that cannot go on the list (unknown ids, archived, wrong status)
    and changes nothing. ``eligible_order_ids`` / ``order_ids_for_query`` let a page narrow a
    selection or a filtered result to the orders that can go on the list before asking.

What is kept
    Generating a list records an event on every order in it ("Added to picking list N"), a
    ``picking_lists`` row (number, when, by whom, which orders, licence holder) and a snapshot of
    every line as printed (``picking_list_lines``: client, ship-to address, carrier, prescription,
    product, brand, lot, bin, units, grams), all in one transaction. The PDF is rendered from that
    snapshot, both the first time and when the list is downloaded again (``picking_list_pdf``), so
    a kept list reprints exactly what the associate was given even after orders ship, bins move
    or lots change.

The licence holder's name on every page comes from ``ORDERS_LICENCE_HOLDER`` (default
"Demo Licence Holder Inc."), or the ``licence_holder`` argument.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import duckdb
from fpdf import FPDF

from .db import Database, DatabaseError, fetch_one, next_id
from .equivalents import DAYS_PER_PERIOD, SHIPMENT_CAP_GRAMS, shipment_cap
from .index import OrderQuery, iter_orders

LICENCE_HOLDER_ENV = "ORDERS_LICENCE_HOLDER"
DEFAULT_LICENCE_HOLDER = "Demo Licence Holder Inc."
PICKING_STATUS = "Order Placed"
EVENT_KIND = "picking_list"
FONT_DIR = Path(__file__).parent / "fonts"


class PickingListError(ValueError):
    """A picking list that cannot be made as asked, said in one sentence."""


class EmptyPickingList(PickingListError):
    """There are no orders to put on the list."""


@dataclass(frozen=True)
class PickingList:
    number: int
    pdf: bytes
    order_ids: list[int]
    generated_at: dt.datetime | None = None
    generated_by: str = ""


@dataclass(frozen=True)
class PickingPreview:
    orders: int
    lines: int
    units: int
    grams: Decimal
    already_listed: int = 0  # how many of the orders are on an earlier picking list


@dataclass(frozen=True)
class KeptPickingList:
    number: int
    generated_at: dt.datetime
    generated_by: str
    orders: int


def licence_holder_name(override: str | None = None) -> str:
    """The licence holder printed on the list: the argument, else $ORDERS_LICENCE_HOLDER, else the demo name."""
    for candidate in (override, os.environ.get(LICENCE_HOLDER_ENV)):
        if candidate and candidate.strip():
            return candidate.strip()
    return DEFAULT_LICENCE_HOLDER


# --------------------------------------------------------------------------- which orders


def _ids_list(order_ids: Sequence[int]) -> list[int]:
    try:
        return sorted({int(i) for i in order_ids})
    except (TypeError, ValueError):
        raise PickingListError("Order IDs are whole numbers, such as 100123.") from None


def default_order_ids(cur: duckdb.DuckDBPyConnection) -> list[int]:
    """Every non-archived order in Order Placed, by Order ID."""
    rows = cur.execute(
        "SELECT order_id FROM orders WHERE status = ? AND archived_at IS NULL ORDER BY order_id",
        [PICKING_STATUS],
    ).fetchall()
    return [r[0] for r in rows]


def _classify(cur: duckdb.DuckDBPyConnection, ids: list[int]) -> tuple[list[int], list[tuple[int, str]]]:
    """(ids that can go on a list, [(id, why not)] for the others)."""
    rows = cur.execute(
        """
        SELECT t.id, o.status::VARCHAR, o.archived_at IS NOT NULL
        FROM (SELECT unnest(?::BIGINT[]) AS id) t LEFT JOIN orders o ON o.order_id = t.id
        ORDER BY t.id
        """,
        [ids],
    ).fetchall()
    ok, refused = [], []
    for order_id, status, archived in rows:
        if status is None:
            refused.append((order_id, "does not exist"))
        elif archived:
            refused.append((order_id, "archived"))
        elif status != PICKING_STATUS:
            refused.append((order_id, status))
        else:
            ok.append(order_id)
    return ok, refused


def eligible_order_ids(cur: duckdb.DuckDBPyConnection, order_ids: Sequence[int]) -> tuple[list[int], list[str]]:
    """Split ``order_ids`` into those that can go on a picking list and a reason for each other one."""
    ok, refused = _classify(cur, _ids_list(order_ids))
    return ok, [f"{i} ({why})" for i, why in refused]


def _refusal(refused: list[tuple[int, str]]) -> str:
    shown = ", ".join(f"{i} ({why})" for i, why in refused[:5])
    more = f" and {len(refused) - 5:,} more" if len(refused) > 5 else ""
    return (f"Only non-archived orders in {PICKING_STATUS} go on a picking list, "
            f"so these cannot: {shown}{more}.")


def resolve_order_ids(cur: duckdb.DuckDBPyConnection, order_ids: Sequence[int] | None) -> list[int]:
    """The orders a list of ``order_ids`` (None: the default set) would hold; PickingListError if any cannot."""
    if order_ids is None:
        return default_order_ids(cur)
    ids = _ids_list(order_ids)
    if not ids:
        return []
    ok, refused = _classify(cur, ids)
    if refused:
        raise PickingListError(_refusal(refused))
    return ok


def order_ids_for_query(cur: duckdb.DuckDBPyConnection, query: OrderQuery) -> list[int]:
    """The non-archived Order Placed orders among those matching ``query`` (every page of it)."""
    q = query.validated()
    if q.view == "Archived" or (q.statuses and PICKING_STATUS not in q.statuses):
        return []
    q = replace(q, statuses=(PICKING_STATUS,), sort="Order ID", descending=False)
    ids: list[int] = []
    for frame in iter_orders(cur, q):
        ids.extend(int(i) for i in frame["Order ID"])
    return ids


def picking_preview(cur: duckdb.DuckDBPyConnection, order_ids: Sequence[int] | None = None) -> PickingPreview:
    """How many orders, lines, units and dried-equivalent grams the list would hold."""
    ids = resolve_order_ids(cur, order_ids)
    if not ids:
        return PickingPreview(0, 0, 0, Decimal("0"))
    lines, units, grams = fetch_one(
        cur,
        """
        SELECT count(*), coalesce(sum(l.units), 0),
               coalesce(sum(CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END), 0)
        FROM order_lines l JOIN products p USING (sku)
        WHERE l.order_id IN (SELECT unnest(?::BIGINT[]))
        """,
        [ids],
    )
    listed = fetch_one(
        cur,
        "SELECT count(DISTINCT order_id) FROM picking_list_lines WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
        [ids],
    )[0]
    return PickingPreview(len(ids), int(lines), int(units), Decimal(grams), int(listed))


# --------------------------------------------------------------------------- generating and keeping

_SNAPSHOT = """
    INSERT INTO picking_list_lines
    SELECT ?, o.order_id, l.line_no, c.client_id, c.name, c.address_line1, c.address_line2, c.city,
           c.province, c.postal_code, o.carrier, rx.grams_per_day, p.sku, p.name, p.brand, p.is_cannabis,
           p.lot_number, p.bin_location, l.units,
           CASE WHEN p.is_cannabis THEN l.units * p.dried_equiv_grams ELSE 0 END
    FROM orders o
    JOIN clients c ON c.client_id = o.client_id
    JOIN order_lines l ON l.order_id = o.order_id
    JOIN products p ON p.sku = l.sku
    LEFT JOIN (SELECT client_id, grams_per_day FROM prescriptions WHERE active
               QUALIFY row_number() OVER (PARTITION BY client_id
                                          ORDER BY valid_from DESC, prescription_id DESC) = 1) rx
           ON rx.client_id = o.client_id
    WHERE o.order_id IN (SELECT unnest(?::BIGINT[]))
"""


def _no_orders_sentence(order_ids: Sequence[int] | None) -> str:
    if order_ids is None:
        return f"There are no orders in {PICKING_STATUS} to pick, so there is no picking list to make."
    return "No orders were chosen, so there is no picking list to make."


def generate_picking_list(
    db: Database,
    *,
    order_ids: Sequence[int] | None = None,
    actor: str,
    licence_holder: str | None = None,
) -> PickingList:
    """Make, keep and render a picking list of ``order_ids`` (None: every non-archived Order Placed order)."""
    actor = (actor or "").strip()
    if not actor:
        raise PickingListError("Say who is generating the picking list.")
    holder = licence_holder_name(licence_holder)

    def work(cur: duckdb.DuckDBPyConnection) -> tuple[int, list[int]]:
        ids = resolve_order_ids(cur, order_ids)
        if not ids:
            raise EmptyPickingList(_no_orders_sentence(order_ids))
        number = next_id(cur, "picking_list_ids")
        cur.execute(
            """
            INSERT INTO picking_lists (picking_list_id, generated_at, generated_by, order_ids, licence_holder)
            VALUES (?, now()::TIMESTAMP, ?, ?, ?)
            """,
            [number, actor, ids, holder],
        )
        cur.execute(_SNAPSHOT, [number, ids])
        cur.execute(
            """
            INSERT INTO order_events
            SELECT nextval('event_ids'), id, now()::TIMESTAMP, ?, ?, ?
            FROM (SELECT unnest(?::BIGINT[]) AS id)
            """,
            [actor, EVENT_KIND, f"Added to picking list {number}", ids],
        )
        return number, ids

    number, ids = db.write(work)
    meta, sections = _load(db.cursor(), number)
    return PickingList(number=number, pdf=_render(meta, sections), order_ids=ids,
                       generated_at=meta.generated_at, generated_by=meta.generated_by)


def picking_list_pdf(db_or_cur: Database | duckdb.DuckDBPyConnection, number: int) -> bytes:
    """Kept picking list ``number`` again, exactly as it was generated (from its snapshot)."""
    cur = db_or_cur.cursor() if isinstance(db_or_cur, Database) else db_or_cur
    meta, sections = _load(cur, number)
    return _render(meta, sections)


def recent_picking_lists(cur: duckdb.DuckDBPyConnection, limit: int = 10) -> list[KeptPickingList]:
    """The latest kept picking lists, newest first."""
    rows = cur.execute(
        """
        SELECT picking_list_id, generated_at, generated_by, len(order_ids)
        FROM picking_lists ORDER BY picking_list_id DESC LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [KeptPickingList(*r) for r in rows]


@dataclass(frozen=True)
class _Meta:
    number: int
    generated_at: dt.datetime
    generated_by: str
    licence_holder: str


@dataclass(frozen=True)
class _Line:
    sku: str
    product: str
    brand: str
    is_cannabis: bool
    lot: str
    bin: str
    units: int
    grams: Decimal


@dataclass
class _Order:
    order_id: int
    client_id: int
    client_name: str
    address: list[str]
    carrier: str | None
    grams_per_day: Decimal | None
    lines: list[_Line] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def grams(self) -> Decimal:
        return sum((line.grams for line in self.lines), Decimal("0"))

    @property
    def has_cannabis(self) -> bool:
        return any(line.is_cannabis for line in self.lines)

    @property
    def cap(self) -> Decimal | None:
        return None if self.grams_per_day is None else shipment_cap(self.grams_per_day)


def _load(cur: duckdb.DuckDBPyConnection, number: int) -> tuple[_Meta, list[_Order]]:
    head = fetch_one(
        cur,
        "SELECT picking_list_id, generated_at, generated_by, licence_holder FROM picking_lists "
        "WHERE picking_list_id = ?",
        [int(number)],
    )
    if head is None:
        raise PickingListError(f"There is no picking list {number}.")
    meta = _Meta(head[0], head[1], head[2], head[3] or licence_holder_name())
    rows = cur.execute(
        """
        SELECT order_id, client_id, client_name, address_line1, address_line2, city, province, postal_code,
               carrier, grams_per_day, sku, product, brand, is_cannabis, lot_number, bin_location, units, grams
        FROM picking_list_lines WHERE picking_list_id = ? ORDER BY order_id, bin_location, line_no
        """,
        [int(number)],
    ).fetchall()
    orders: list[_Order] = []
    for r in rows:
        if not orders or orders[-1].order_id != r[0]:
            address = [", ".join(p for p in (r[3], r[4]) if p), f"{r[5]} {r[6]}  {r[7]}"]
            orders.append(_Order(r[0], r[1], r[2], address, r[8], r[9]))
        orders[-1].lines.append(_Line(*r[10:16], int(r[16]), Decimal(r[17])))
    return meta, orders


@dataclass
class _BatchRow:
    bin: str
    sku: str
    product: str
    lot: str
    units: int = 0
    grams: Decimal = Decimal("0")
    orders: set[int] = field(default_factory=set)


def batch_rows(orders: list[_Order]) -> list[_BatchRow]:
    """One row per SKU and lot, totalled over the orders, in bin order (the walk through the vault)."""
    rows: dict[tuple[str, str], _BatchRow] = {}
    for order in orders:
        for line in order.lines:
            row = rows.setdefault((line.sku, line.lot), _BatchRow(line.bin, line.sku, line.product, line.lot))
            row.units += line.units
            row.grams += line.grams
            row.orders.add(order.order_id)
    return sorted(rows.values(), key=lambda r: (r.bin, r.sku, r.lot))


# --------------------------------------------------------------------------- the PDF

PAGE_W = 215.9  # US Letter, the paper in Canadian offices
MARGIN = 12.0
TOP = 25.0
BOTTOM = 10.0
ROW_H = 6.2
TH_H = 6.0
BAR_W = 0.75  # Code 39 wide element in mm (narrow = 0.25 mm)
BAR_H = 11.0
GREY = 238

BATCH_COLS = [("", 9, "C"), ("Bin", 20, "L"), ("SKU", 27, "L"), ("Product", 64, "L"), ("Lot", 22, "L"),
              ("Units", 16, "R"), ("Orders", 16, "R"), ("g dried", 17.9, "R")]
ORDER_COLS = [("", 9, "C"), ("SKU", 25, "L"), ("Product", 53, "L"), ("Brand", 37, "L"), ("Lot", 21, "L"),
              ("Bin", 17, "L"), ("Units", 13, "R"), ("g dried", 16.9, "R")]
TICK = object()

ORDER_HEAD_H = 29.0
ORDER_FOOT_H = 25.0
STOP_H = 5.5  # the red "do not pack" line under a problem


def grams_text(g: Decimal) -> str:
    """Grams without trailing zeros: 10.5, 150, 1,234.25."""
    text = f"{g.quantize(Decimal('0.001')):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


class _PickingPDF(FPDF):
    def __init__(self, meta: _Meta):
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.meta = meta
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages("{nb}", align="L")
        self.set_title(f"Picking list {meta.number}")
        self.set_author(meta.licence_holder)
        self.set_creator("orders-core")
        self.set_creation_date(meta.generated_at.replace(tzinfo=dt.UTC))
        self.continued: str | None = None  # heading repeated when a section runs onto a new page
        self._widths: dict[tuple[str, bool], float] = {}

    # every page
    def header(self) -> None:
        m = self.meta
        half = (self.epw) / 2
        self.set_text_color(0)
        self.set_xy(MARGIN, 9)
        self.set_font("DejaVu", "B", 12)
        self._fit(half + 20, 6, m.licence_holder, "L", size=12, bold=True)
        self.set_xy(MARGIN + half + 20, 9)
        self._fit(half - 20, 6, f"Picking list {m.number}", "R", size=12, bold=True)
        self.set_xy(MARGIN, 15.5)
        self._fit(half + 20, 5, f"Generated {m.generated_at:%Y-%m-%d %H:%M} by {m.generated_by}", "L", size=9)
        self.set_xy(MARGIN + half + 20, 15.5)
        self.set_font("DejaVu", "B", 9)
        self.cell(half - 20, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_line_width(0.5)
        self.set_draw_color(0)
        self.line(MARGIN, 22, PAGE_W - MARGIN, 22)
        self.set_y(TOP)
        if self.continued:
            self.set_font("DejaVu", "B", 10)
            self.cell(0, 6, self.continued, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)

    # helpers
    def _width(self, text: str, size: float, bold: bool) -> float:
        """The text's width in mm at ``size`` pt (cached: names, SKUs and bins repeat a lot)."""
        key = (text, bold)
        unit = self._widths.get(key)
        if unit is None:
            self.set_font("DejaVu", "B" if bold else "", 10)
            unit = self._widths[key] = self.get_string_width(text) / 10
        return unit * size

    def _fit(self, w: float, h: float, text: str, align: str = "L", *, size: float = 9,
             bold: bool = False, fill: bool = False) -> None:
        """Text in a w x h box at the current position; it shrinks (down to 6 pt), then is cut with "…", to fit."""
        room = w - 2 * self.c_margin
        if self._width(text, size, bold) > room:
            size = max(6.0, size * room / self._width(text, size, bold))
            while len(text) > 1 and self._width(text, size, bold) > room:
                text = text[:-2] + "…"
        x, y = self.get_x(), self.get_y()
        if fill:
            self.set_fill_color(GREY)
            self.rect(x, y, w, h, "F")
        self.set_font("DejaVu", "B" if bold else "", size)
        width = self._width(text, size, bold)
        dx = {"L": self.c_margin, "R": w - self.c_margin - width, "C": (w - width) / 2}[align]
        self.text(x + dx, y + h / 2 + 0.3 * self.font_size, text)
        self.set_xy(x + w, y)

    def _tick_box(self, x: float, w: float, h: float) -> None:
        side = 4.0
        self.set_line_width(0.3)
        self.rect(x + (w - side) / 2, self.get_y() + (h - side) / 2, side, side)

    def _row(self, cols: list, values: list, h: float = ROW_H, *, bold: bool = False, size: float = 9,
             fill: bool = False, rule: bool = True) -> None:
        x, y = MARGIN, self.get_y()
        self.set_fill_color(GREY)
        if fill:
            self.rect(MARGIN, y, self.epw, h, "F")
        for (_, w, align), value in zip(cols, values, strict=True):
            self.set_xy(x, y)
            if value is TICK:
                self._tick_box(x, w, h)
            else:
                self._fit(w, h, str(value), align, size=size, bold=bold)
            x += w
        if rule:
            self.set_draw_color(170)
            self.set_line_width(0.2)
            self.line(MARGIN, y + h, PAGE_W - MARGIN, y + h)
            self.set_draw_color(0)
        self.set_xy(MARGIN, y + h)

    def _table_head(self, cols: list) -> None:
        self._row(cols, [c[0] for c in cols], TH_H, bold=True, size=8.5, fill=True)

    def _room(self) -> float:
        return self.page_break_trigger - self.get_y()

    def _new_page(self, continued: str | None = None) -> None:
        self.continued = continued
        self.add_page()
        self.continued = None


def _render(meta: _Meta, orders: list[_Order]) -> bytes:
    pdf = _PickingPDF(meta)
    pdf.add_page()
    _batch_section(pdf, orders)
    pdf.set_auto_page_break(False, margin=BOTTOM)  # sections place their own page breaks
    for i, order in enumerate(orders, start=1):
        _order_section(pdf, order, first=i == 1, position=f"{i:,} of {len(orders):,} on this list")
    return bytes(pdf.output())


def _batch_section(pdf: _PickingPDF, orders: list[_Order]) -> None:
    rows = batch_rows(orders)
    units = sum(o.units for o in orders)
    grams = sum((o.grams for o in orders), Decimal("0"))
    lines = sum(len(o.lines) for o in orders)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, "Batch pick: walk the vault once, in bin order", new_x="LMARGIN", new_y="NEXT")
    pdf._fit(pdf.epw, 6, f"{plural(len(orders), 'order')} · {plural(lines, 'line')} · {plural(units, 'unit')} · "
                         f"{grams_text(grams)} g dried-cannabis equivalent", size=10, bold=True)
    pdf.set_xy(MARGIN, pdf.get_y() + 6)
    pdf._fit(pdf.epw, 5, "Pick these totals (g dried = dried-cannabis equivalent), then pack each order "
                         "from its own section on the pages that follow.", size=9)
    pdf.set_xy(MARGIN, pdf.get_y() + 5)
    pdf.ln(2)
    pdf.set_auto_page_break(False, margin=BOTTOM)
    pdf._table_head(BATCH_COLS)
    for row in rows:
        if pdf._room() < ROW_H:
            pdf._new_page("Batch pick (continued)")
            pdf._table_head(BATCH_COLS)
        pdf._row(BATCH_COLS, [TICK, row.bin, row.sku, row.product, row.lot, f"{row.units:,}",
                              f"{len(row.orders):,}", grams_text(row.grams)])
    if pdf._room() < ROW_H + 2:
        pdf._new_page("Batch pick (continued)")
    pdf._row(BATCH_COLS, ["", "", "", f"Total: {len(rows):,} SKU/lot rows", "", f"{units:,}",
                          f"{len(orders):,}", grams_text(grams)], ROW_H, bold=True, fill=True)


def _order_height(order: _Order) -> float:
    return ORDER_HEAD_H + TH_H + ROW_H * len(order.lines) + _foot_height(order)


def _foot_height(order: _Order) -> float:
    return ORDER_FOOT_H + (STOP_H if _cap_sentence(order)[1] else 0)


def _order_section(pdf: _PickingPDF, order: _Order, *, first: bool, position: str) -> None:
    full_page = pdf.page_break_trigger - TOP
    need = _order_height(order)
    if first or (need > pdf._room() and (need <= full_page or pdf._room() < ORDER_HEAD_H + TH_H + 4 * ROW_H)):
        pdf._new_page()
    _order_head(pdf, order, position)
    pdf._table_head(ORDER_COLS)
    cont = f"Order {order.order_id} (continued): {order.client_name}"
    for line in order.lines:
        if pdf._room() < ROW_H:
            pdf._new_page(cont)
            pdf._table_head(ORDER_COLS)
        pdf._row(ORDER_COLS, [TICK, line.sku, line.product, line.brand, line.lot, line.bin,
                              f"{line.units:,}", grams_text(line.grams) if line.is_cannabis else "–"])
    if pdf._room() < _foot_height(order):
        pdf._new_page(cont)
    _order_foot(pdf, order)


def _order_head(pdf: _PickingPDF, order: _Order, position: str) -> None:
    y0 = pdf.get_y()
    pdf.set_draw_color(0)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, y0, PAGE_W - MARGIN, y0)
    y0 += 2
    code = f"*{order.order_id}*"
    bar_w = len(code) * BAR_W * 16 / 3 - BAR_W / 3
    left_w = pdf.epw - bar_w - 6
    pdf.set_fill_color(0)
    pdf.code39(code, PAGE_W - MARGIN - bar_w, y0, w=BAR_W, h=BAR_H)
    pdf.set_xy(PAGE_W - MARGIN - bar_w, y0 + BAR_H + 0.5)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(bar_w, 4, str(order.order_id), align="C")
    pdf.set_xy(MARGIN, y0)
    title = f"Order {order.order_id}"
    title_w = pdf._width(title, 15, True) + 2 * pdf.c_margin
    pdf._fit(title_w, 7, title, size=15, bold=True)
    pdf._fit(left_w - title_w, 7, f"({position})", size=9)
    n_lines = len(order.lines)
    pdf.set_xy(MARGIN, y0 + 7.5)
    pdf._fit(left_w, 5, f"Client: {order.client_name} (client {order.client_id})  ·  "
                        f"{plural(n_lines, 'line')}, {plural(order.units, 'unit')}", size=10, bold=True)
    label = "Ship to (registered address): "
    label_w = pdf._width(label, 9, False) + pdf.c_margin
    for i, part in enumerate(order.address):
        pdf.set_xy(MARGIN, y0 + 12.5 + 4.5 * i)
        if i == 0:
            pdf._fit(label_w, 4.5, label, size=9)
        else:
            pdf.set_x(MARGIN + label_w)
        pdf._fit(left_w - label_w, 4.5, part, size=9, bold=True)
    pdf.set_xy(MARGIN, y0 + 12.5 + 4.5 * len(order.address))
    carrier = order.carrier or "none chosen: ask a CSR before packing"
    pdf._fit(left_w, 4.5, f"Carrier: {carrier}", size=9, bold=order.carrier is None)
    pdf.set_xy(MARGIN, y0 + ORDER_HEAD_H - 2)


def _cap_sentence(order: _Order) -> tuple[str, bool]:
    """The grams-against-cap line and whether it is a problem the associate must stop on."""
    if not order.has_cannabis:
        return "No cannabis in this order (accessories only): no prescription cap applies.", False
    grams = f"Dried-cannabis equivalent: {grams_text(order.grams)} g"
    cap = order.cap
    if cap is None:
        return f"{grams}; the client has no active prescription on file.", True
    basis = (f"lesser of {DAYS_PER_PERIOD} × {grams_text(Decimal(order.grams_per_day))} g/day "
             f"and {grams_text(SHIPMENT_CAP_GRAMS)} g")
    if order.grams > cap:
        return f"{grams}: OVER the cap of {grams_text(cap)} g ({basis}).", True
    return f"{grams} of the {grams_text(cap)} g cap ({basis}).", False


def _order_foot(pdf: _PickingPDF, order: _Order) -> None:
    pdf.ln(1.5)
    text, problem = _cap_sentence(order)
    if problem:
        pdf.set_text_color(180, 0, 0)
    pdf._fit(pdf.epw, 5.5, text, size=9.5, bold=True)
    pdf.ln(5.5)
    if problem:
        pdf._fit(pdf.epw, STOP_H, "STOP: do not pack this order; return it to a CSR.", size=9.5, bold=True)
        pdf.ln(STOP_H)
    pdf.set_text_color(0)
    labelled = sum(line.units for line in order.lines if line.is_cannabis)
    if labelled:
        which, extra = ("unit", "") if labelled == order.units else ("cannabis unit", " (accessories need none)")
        reminder = (f"Label: every {which} gets {order.client_name}'s prescription label: "
                    f"{plural(labelled, 'label')}{extra}.")
    else:
        reminder = "Label: no cannabis units, so no prescription labels."
    pdf._fit(pdf.epw, 5, reminder, size=9)
    pdf.ln(6.0)
    _sign_off(pdf, order)


def _sign_off(pdf: _PickingPDF, order: _Order) -> None:
    """Boxes for the picker's initials, the date and a second person's check, spread across the page."""
    y = pdf.get_y()
    boxes = ((f"Order {order.order_id} picked by (initials)", 22.0), ("Date", 32.0), ("Checked by (initials)", 22.0))
    widths = [pdf._width(label, 9, False) + 2 * pdf.c_margin for label, _ in boxes]
    gap = (pdf.epw - sum(widths) - sum(b for _, b in boxes) - len(boxes)) / (len(boxes) - 1)
    pdf.set_line_width(0.3)
    pdf.set_draw_color(0)
    x = MARGIN
    for (label, box_w), w in zip(boxes, widths, strict=True):
        pdf.set_xy(x, y)
        pdf._fit(w + 0.5, 8, label, size=9)
        pdf.rect(x + w + 1, y, box_w, 8)
        x += w + 1 + box_w + gap
    pdf.set_xy(MARGIN, y + 8 + 3.5)


# --------------------------------------------------------------------------- command line


def _parse_ids(text: str) -> list[int]:
    parts = [p.strip().lstrip("#") for p in text.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise argparse.ArgumentTypeError(f"{bad[0]!r} is not an Order ID; give numbers such as 100123,100124.")
    return [int(p) for p in parts]


def _cli(args: argparse.Namespace) -> int:
    try:
        db = Database(args.db, create=False)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        if args.number is not None:
            pdf, number, count = picking_list_pdf(db, args.number), args.number, None
        else:
            made = generate_picking_list(db, order_ids=args.orders, actor=args.actor)
            pdf, number, count = made.pdf, made.number, len(made.order_ids)
    except PickingListError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        db.close()
    Path(args.output).write_bytes(pdf)
    what = f"{count:,} orders" if count is not None else "kept list"
    print(f"Picking list {number} ({what}) written to {args.output}.")
    return 0


def register_cli(subparsers) -> None:
    """`orders-core picking-list [--orders 1,2,3] -o FILE [--db PATH] [--as USER]`."""
    from .db import default_db_path

    p = subparsers.add_parser("picking-list", help="generate a picking list PDF")
    p.add_argument("--orders", type=_parse_ids, default=None,
                   help="comma-separated Order IDs (default: every non-archived order in Order Placed)")
    p.add_argument("--number", type=int, default=None, help="write kept picking list N again instead")
    p.add_argument("-o", "--output", required=True, help="the PDF file to write")
    p.add_argument("--db", default=default_db_path(), help="database file (default $ORDERS_DB)")
    p.add_argument("--as", dest="actor", default=getpass.getuser(), help="who is generating it")
    p.set_defaults(func=_cli)
