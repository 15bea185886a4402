"""The end-of-day manifest: per carrier and day, the parcels shipped, for the driver to sign.

One US Letter PDF: the licence holder, the carrier and the day; one row per parcel (order, client name, city,
province, postal code, tracking number, units), in Order ID order; the totals (parcels, units); and a
signature block for the driver (name, signature, date and time, parcels received). Its rows are the orders
Marked as Shipped on that day by that carrier (still Shipped, or Delivered since; never archived ones left
out: a parcel that left is on the manifest). Making one is recorded (``manifests``: who, when, which carrier
and day, how many parcels and units) and is an access-log export (it lists clients' names and addresses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fpdf import FPDF

from orders_core.fulfillment.picking import licence_holder_name
from orders_core.fulfillment.picking_pdf import FONT_DIR
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.staff import access_log
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.transactions import next_id

COLUMNS = [("Order", 20, "L"), ("Client", 50, "L"), ("City", 33, "L"), ("Prov.", 11, "L"), ("Postal code", 21, "L"),
           ("Tracking number", 41, "L"), ("Units", 15.9, "R")]


class ManifestRefused(Refused):
    """A manifest that cannot be made as asked, in one sentence."""


@dataclass(frozen=True)
class Parcel:
    order_id: int
    client: str
    city: str
    province: str
    postal_code: str
    tracking: str
    units: int


@dataclass(frozen=True)
class Manifest:
    number: int
    carrier: str
    day: dt.date
    parcels: list[Parcel]
    pdf: bytes

    @property
    def units(self) -> int:
        return sum(p.units for p in self.parcels)


def parcels(cur: Cursor, carrier: str, day: dt.date) -> list[Parcel]:
    rows = cur.execute(
        """
        SELECT o.order_id, c.name, c.city, c.province, c.postal_code, o.tracking_number,
               (SELECT sum(units) FROM order_lines l WHERE l.order_id = o.order_id)
        FROM orders o JOIN clients c ON c.client_id = o.client_id
        WHERE o.shipped_on = ? AND o.carrier = ? AND o.status IN ('Shipped', 'Delivered')
        ORDER BY o.order_id
        """,
        [day, carrier],
    ).fetchall()
    return [Parcel(r[0], r[1], r[2], r[3], r[4], r[5] or "", int(r[6] or 0)) for r in rows]


def make_manifest(db: Database, actor: Person, carrier: str, day: dt.date) -> Manifest:
    """The manifest of ``carrier``'s parcels shipped on ``day``, recorded; ``ManifestRefused`` when there are none."""

    def work(cur: Cursor) -> Manifest:
        verify(cur, actor, "shipping_manifest")
        if not cur.execute("SELECT 1 FROM carriers WHERE name = ?", [carrier]).fetchall():
            raise ManifestRefused(f"'{str(carrier)[:40]}' is not one of our carriers.")
        found = parcels(cur, carrier, day)
        if not found:
            raise ManifestRefused(f"No parcels were shipped by {carrier} on {day:%Y-%m-%d}, so there is no manifest.")
        number = next_id(cur, "manifest_ids")
        units = sum(p.units for p in found)
        cur.execute("INSERT INTO manifests VALUES (?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?)",
                    [number, carrier, day, actor.name, actor.email, len(found), units])
        access_log.record(cur, actor, access_log.EXPORT, what="Shipping manifest",
                          filters=f"{carrier}, shipped on {day:%Y-%m-%d}", rows=len(found))
        return Manifest(number, carrier, day, found, render(number, carrier, day, found, actor.name))

    return db.write(work)


class _ManifestPDF(FPDF):
    def __init__(self, title: str, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.alias_nb_pages("{nb}", align="L")
        self.title_text, self.footer_text = title, footer_text
        self.set_title(title)
        self.set_creator("orders-core")

    def header(self) -> None:
        self.set_font("DejaVu", "B", 13)
        self.cell(0, 7, self.title_text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 8.5)
        self.cell(0, 5, f"{self.footer_text} · Page {self.page_no()} of {{nb}}", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.row([c[0] for c in COLUMNS], bold=True, fill=True)

    def row(self, values: list[str], *, bold: bool = False, fill: bool = False) -> None:
        self.set_fill_color(235)
        for (_, w, align), value in zip(COLUMNS, values, strict=True):
            size = 8.5
            self.set_font("DejaVu", "B" if bold else "", size)
            while size > 6 and self.get_string_width(value) > w - 2:
                size -= 0.5
                self.set_font("DejaVu", "B" if bold else "", size)
            self.cell(w, 6, value, border="B", align=align, fill=fill)
        self.ln(6)


def render(number: int, carrier: str, day: dt.date, found: list[Parcel], made_by: str) -> bytes:
    holder = licence_holder_name()
    pdf = _ManifestPDF(f"Shipping manifest {number}: {carrier}, {day:%Y-%m-%d}",
                       f"{holder} · made {dt.datetime.now():%Y-%m-%d %H:%M} by {made_by}")
    pdf.add_page()
    for p in found:
        pdf.row([str(p.order_id), p.client, p.city, p.province, p.postal_code, p.tracking, f"{p.units:,}"])
    units = sum(p.units for p in found)
    pdf.row(["Total", f"{len(found):,} parcel{'s' if len(found) != 1 else ''}", "", "", "", "", f"{units:,}"],
            bold=True, fill=True)
    if pdf.get_y() > 215:
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 6, f"Received by the driver for {carrier}: {len(found):,} parcels, {units:,} units",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for label in ("Driver's name", "Signature", "Date and time", "Parcels received"):
        pdf.ln(6)
        pdf.cell(40, 8, label + ":")
        pdf.line(pdf.get_x(), pdf.get_y() + 7, 200, pdf.get_y() + 7)
        pdf.ln(8)
    return bytes(pdf.output())
