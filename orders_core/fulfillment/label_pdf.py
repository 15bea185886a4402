"""Client labels as a PDF: one label per unit, on 4 × 6 in thermal labels or US Letter sheets of 2 × 4 in labels.

What a label says is ``labels`` (its docstring lists the elements and where each comes from); this module
only draws ``LabelUnit`` rows. Every label has the same parts, scaled to its stock:

- "For medical purposes", the client's name (large), client ID, registration expiry;
- the health care practitioner and the daily quantity;
- the ship-to address (the registration document's);
- the product, brand, lot, net content and dried-cannabis equivalent of this unit;
- the licence holder that sold and shipped it, with its contact, and the date;
- a Code 128 barcode (``rules.code128``) of ``ORDER-UNIT`` with "Order N · unit k of n" under it.

Text is never cut: a line too long for the label is set smaller (down to a floor) and then wrapped, so a long
address or a name with accents prints whole (DejaVu Sans has every accent of French and more).

Stocks: ``4x6`` is one 101.6 × 152.4 mm page per label (thermal printers); ``letter-2x4`` is US Letter with
ten 2 × 4 in labels (2 across, 5 down, 12.7 mm top margin, 4 mm side margins, 4.8 mm between the columns:
the common 5163 / 8163 layout).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF

from orders_core.fulfillment.picking_pdf import FONT_DIR
from orders_core.rules import code128, formatting

STOCKS = ("4x6", "letter-2x4")
MM_PER_IN = 25.4


@dataclass(frozen=True)
class Stock:
    page: tuple[float, float]      # page width, height (mm)
    label: tuple[float, float]     # label width, height (mm)
    columns: int
    rows: int
    left: float                    # first label's top-left corner
    top: float
    gap_x: float                   # between columns
    size: float                    # body text in pt
    module: float                  # a barcode module in mm
    bar_h: float                   # barcode height in mm
    pad: float
    shrink: bool                   # a long line is set smaller before it is wrapped


STOCK = {
    "4x6": Stock((101.6, 152.4), (101.6, 152.4), 1, 1, 0, 0, 0, size=12, module=0.45, bar_h=20, pad=6,
                 shrink=False),
    "letter-2x4": Stock((215.9, 279.4), (101.6, 50.8), 2, 5, 3.97, 12.7, 4.76, size=6.3, module=0.3, bar_h=8.5,
                        pad=2.6, shrink=True),
}


@dataclass(frozen=True)
class LabelUnit:
    order_id: int
    unit_no: int          # 1..unit_count over the order's cannabis units, in line order
    unit_count: int
    client_id: int
    client_name: str
    address: str          # the registration document's shipping address, one line
    practitioner: str
    grams_per_day: Decimal
    registration_expires: dt.date
    product: str
    brand: str
    sku: str
    lot: str
    net_content: str      # "3.5 g"
    dried_equivalent: Decimal
    holder: str
    holder_contact: str
    label_date: dt.date

    @property
    def code(self) -> str:
        return code128.unit_code(self.order_id, self.unit_no)


def label_lines(u: LabelUnit) -> list[tuple[str, float, bool]]:
    """(text, size factor, bold) from top to bottom."""
    grams = formatting.grams(u.grams_per_day)
    return [
        ("FOR MEDICAL PURPOSES · client-specific label", 0.9, True),
        (u.client_name, 1.45, True),
        (f"Client ID {u.client_id} · Registration expires {u.registration_expires:%Y-%m-%d}", 1.0, False),
        (f"Health care practitioner: {u.practitioner}", 1.0, False),
        (f"Daily quantity: {grams} of dried cannabis per day", 1.0, True),
        (f"Ship to: {u.address}", 1.0, False),
        (f"Product: {u.product} · {u.brand} · SKU {u.sku}", 1.0, True),
        (f"Lot {u.lot} · Net content {u.net_content} · Equivalent to {formatting.grams(u.dried_equivalent)} of "
         "dried cannabis", 1.0, False),
        (f"Sold and shipped by {u.holder} · {u.holder_contact} · Date {u.label_date:%Y-%m-%d}", 0.9, False),
    ]


class _LabelPDF(FPDF):
    def __init__(self, stock: Stock, title: str):
        super().__init__(orientation="P", unit="mm", format=stock.page)
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.c_margin = 0
        self.set_title(title)
        self.set_creator("orders-core")
        self._unit_widths: dict[tuple[str, bool], float] = {}

    def width(self, text: str, size: float, bold: bool) -> float:
        key = (text, bold)
        unit = self._unit_widths.get(key)
        if unit is None:
            self.set_font("DejaVu", "B" if bold else "", 10)
            unit = self._unit_widths[key] = self.get_string_width(text) / 10
        return unit * size

    def wrap(self, text: str, w: float, size: float, bold: bool) -> list[str]:
        """``text`` in lines no wider than ``w`` at ``size`` (a word longer than a line is split)."""
        lines, line = [], ""
        for word in text.split():
            trial = f"{line} {word}" if line else word
            if self.width(trial, size, bold) <= w:
                line = trial
                continue
            if line:
                lines.append(line)
            while self.width(word, size, bold) > w:
                cut = max(1, int(len(word) * w / self.width(word, size, bold)))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        return [*lines, line] if line else lines

    def paragraph(self, text: str, x: float, y: float, w: float, size: float, bold: bool, shrink: bool) -> float:
        """Draw ``text`` at (x, y) within ``w`` and return the y below it. A line too long is set smaller first
        (``shrink``, down to 85 % and never under 5.2 pt) or wrapped first; it is never cut."""
        small = max(min(size, 5.2), size * 0.85)
        if self.width(text, size, bold) <= w:
            lines = [text]
        elif shrink and self.width(text, small, bold) <= w:
            lines, size = [text], small
        else:
            size = small if shrink else size
            lines = self.wrap(text, w, size, bold)
        self.set_font("DejaVu", "B" if bold else "", size)
        step = size * 0.3528 * 1.18
        for line in lines:
            y += step
            self.text(x, y - step * 0.22, line)
        return y + step * 0.12

    def barcode(self, code: str, x: float, y: float, module: float, h: float) -> float:
        """The Code 128 symbol of ``code`` with its left edge at ``x``; returns its width."""
        cx, bar = x, True
        for w in code128.widths(code):
            if bar:
                self.rect(cx, y, w * module, h, "F")
            cx += w * module
            bar = not bar
        return cx - x


def render(units: list[LabelUnit], stock_name: str, title: str = "Client labels") -> bytes:
    """One label per ``units`` row, in order, on ``stock_name`` (``STOCKS``)."""
    stock = STOCK[stock_name]
    pdf = _LabelPDF(stock, title)
    per_page = stock.columns * stock.rows
    lw, lh = stock.label
    for i, unit in enumerate(units):
        slot = i % per_page
        if slot == 0:
            pdf.add_page()
        col, row = slot % stock.columns, slot // stock.columns
        x = stock.left + col * (lw + stock.gap_x)
        y = stock.top + row * lh
        _draw(pdf, unit, stock, x, y)
    return bytes(pdf.output())


def _draw(pdf: _LabelPDF, u: LabelUnit, stock: Stock, x: float, y: float) -> None:
    lw, lh = stock.label
    pad = stock.pad
    inner = lw - 2 * pad
    pdf.set_text_color(0)
    top = y + pad * 0.6
    for text, factor, bold in label_lines(u):
        top = pdf.paragraph(text, x + pad, top, inner, stock.size * factor, bold, stock.shrink)
    # The barcode sits at the bottom, with ten modules of quiet zone to its left and right.
    quiet = code128.QUIET_MODULES * stock.module
    bar_y = y + lh - pad * 0.6 - stock.bar_h - stock.size * 0.3528 * 1.3
    bar_y = max(bar_y, top + stock.module * 4)
    pdf.set_fill_color(0)
    bar_w = pdf.barcode(u.code, x + pad + quiet, bar_y, stock.module, stock.bar_h)
    caption = f"{u.code} · Order {u.order_id} · unit {u.unit_no} of {u.unit_count}"
    text_x = x + pad + quiet * 2 + bar_w
    fits = text_x + pdf.width(caption, stock.size * 0.95, False) <= x + lw - pad
    pdf.set_font("DejaVu", "", stock.size * 0.95)  # after width(), which measures at its own size
    if fits:
        pdf.text(text_x, bar_y + stock.bar_h / 2 + stock.size * 0.12, caption)
    else:
        pdf.text(x + pad + quiet, bar_y + stock.bar_h + stock.size * 0.3528 * 1.1, caption)


def page_count(labels: int, stock_name: str) -> int:
    stock = STOCK[stock_name]
    per_page = stock.columns * stock.rows
    return -(-labels // per_page)
