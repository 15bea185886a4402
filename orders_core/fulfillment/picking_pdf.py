"""The picking list's PDF: how a kept list is drawn (US Letter, a batch page, one section per order).

What goes on the list, and keeping it, is ``picking``; this module only draws a kept snapshot: the
batch page (every SKU and lot, in bin order, with its instruction), then one section per order with
its client, ship-to address, carrier, lines and the prescription's per-order limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from orders_core.rules import formatting
from orders_core.rules.allowance import (
    DAYS_PER_PERIOD,
    REPLACEMENT_LIMIT_GRAMS,
    SHIPMENT_CAP_GRAMS,
    shipment_cap,
)

FONT_DIR = Path(__file__).parent / "fonts"


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
    replaces_return_id: int | None = None  # a replacement (s. 293): its own limit, not the prescription's cap

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
    """Grams without the unit, as everywhere (``formatting.grams``): 10.5, 150, 1,234.25."""
    return formatting.grams(g, unit=False)


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


def render(meta: _Meta, orders: list[_Order]) -> bytes:
    pdf = _PickingPDF(meta)
    pdf.add_page()
    _batch_section(pdf, orders)
    pdf.set_auto_page_break(False, margin=BOTTOM)  # sections place their own page breaks
    for i, order in enumerate(orders, start=1):
        _order_section(pdf, order, first=i == 1, alone=len(orders) == 1,
                       position=f"{i:,} of {len(orders):,} on this list")
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
    where = "its section below" if len(orders) == 1 else "its own section on the pages that follow"
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(pdf.epw, 4.5, "Pick these totals (g dried = dried-cannabis equivalent), then pack each order "
                                 f"from {where}.", new_x="LMARGIN", new_y="NEXT")  # wraps, never cut
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


def _order_section(pdf: _PickingPDF, order: _Order, *, first: bool, alone: bool, position: str) -> None:
    """One order's section; the first starts a new page, except a list's only order when it fits below."""
    full_page = pdf.page_break_trigger - TOP
    need = _order_height(order)
    if alone and need + 6 <= pdf._room():
        pdf.ln(6)
    elif first or (need > pdf._room() and (need <= full_page or pdf._room() < ORDER_HEAD_H + TH_H + 4 * ROW_H)):
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
    if order.replaces_return_id is not None:  # s. 293: held to its own limit, not the per-order shipment cap
        limit = f"{grams_text(REPLACEMENT_LIMIT_GRAMS)} g a replacement may hold"
        why = f"return {order.replaces_return_id}, Cannabis Regulations s. 293"
        if order.grams > REPLACEMENT_LIMIT_GRAMS:
            return f"{grams}: OVER the {limit} ({why}).", True
        return f"{grams} of the {limit} ({why}: no per-order cap).", False
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
