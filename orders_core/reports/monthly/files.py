"""The reports' files: the CTLS sales CSV (the guide's field names and order, numbers at CTLS precision), the
section 297 and practitioners' CSVs, canonical JSON (``--json`` and the submissions' fingerprint), and the
one-page PDF summary of the month for the licence holder's records.

The same figures give the same bytes: rows in a fixed order, no time of generation in any file (the PDF's
creation date is the month's last day; its footer names the figures' fingerprint instead).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
from fpdf import FPDF

from orders_core.reports.monthly.figures import CTLS, PRACTITIONERS, S297
from orders_core.rules import formatting
from orders_core.rules.csv_text import csv_bytes

FONT_DIR = Path(__file__).resolve().parents[2] / "fulfillment" / "fonts"

# The sales part's fields, in the guide's order (see the package docstring).
CTLS_COLUMNS = ["Reporting period year", "Reporting period month", "Province or territory", "Product category",
                "Packaged units sold", "Quantity sold", "Unit of measure", "Value of sales ($)",
                "Packaged units returned", "Quantity returned"]
S297_COLUMNS = ["Reporting period year", "Reporting period month", "Last day of the month",
                "Clients with a valid registration on the last day (s. 297(1)(a))",
                "Clients whose medical document was transferred or returned (s. 297(1)(b))",
                "Of which transferred to another holder of a licence for sale", "Of which returned to the client",
                "Average daily quantity of dried cannabis (g) (s. 297(1)(c)(i))",
                "Median daily quantity of dried cannabis (g) (s. 297(1)(c)(ii))",
                "Highest daily quantity of dried cannabis (g) (s. 297(1)(c)(iii))",
                "Note"]
PRACTITIONER_COLUMNS = ["Reporting period year", "Reporting period month", "Health care practitioner",
                        "Licence number", "Medical documents signed (s. 297(1)(g))",
                        "Daily quantity authorized (g)", "Average daily quantity (g)"]

PDF_CTLS_ROWS = 20  # the CTLS rows the one-page summary shows (the rest: "see the CSV file")


DAILY_QUANTITIES = ("average_daily_grams", "median_daily_grams", "highest_daily_grams")


def _grams(value: Decimal | None) -> str:
    """A s. 297(1)(c) quantity to 3 decimals; empty when no registration was valid (there is no quantity)."""
    return "" if value is None else number(value)


def number(value) -> str:
    """A figure as CTLS takes it: integers as they are, decimals with their fixed places (no grouping)."""
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def canonical_json(figures: dict) -> str:
    """The figures as JSON with sorted keys and no spaces: the same figures, the same text."""
    return json.dumps(_plain(figures), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(figures: dict) -> str:
    return hashlib.sha256(canonical_json(figures).encode("utf-8")).hexdigest()


def json_output(figures: dict) -> str:
    """What ``--json`` prints: a list of rows for ctls-sales and practitioners, the object for s297."""
    data = figures["rows"] if figures["report"] in (CTLS, PRACTITIONERS) else figures
    return json.dumps(_plain(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _period(figures: dict) -> tuple[str, str]:
    year, month = figures["month"].split("-")
    return year, month


def csv_file(figures: dict) -> bytes:
    year, month = _period(figures)
    if figures["report"] == CTLS:
        rows = [[year, month, r["province"], r["category"], number(r["units"]), number(r["quantity"]), r["unit"],
                 number(r["value"]), number(r["returned_units"]), number(r["returned_quantity"])]
                for r in figures["rows"]]
        columns = CTLS_COLUMNS
    elif figures["report"] == S297:
        rows = [[year, month, figures["last_day"], str(figures["valid_registrations"]),
                 str(figures["documents_transferred_or_returned"]), str(figures["documents_transferred"]),
                 str(figures["documents_returned"]), *(_grams(figures[k]) for k in DAILY_QUANTITIES),
                 figures["not_made"]]]
        columns = S297_COLUMNS
    else:
        rows = [[year, month, r["practitioner"], r["licence"], str(r["clients"]), number(r["daily_grams"]),
                 number(r["average_daily_grams"])] for r in figures["rows"]]
        columns = PRACTITIONER_COLUMNS
    return csv_bytes(pd.DataFrame(rows, columns=columns, dtype=object), columns)


def ids_csv(noun: str, ids: list[int]) -> bytes:
    column = "Order ID" if noun == "order" else "Client ID"
    return csv_bytes(pd.DataFrame({column: pd.Series(ids, dtype="int64")}), [column])


# --- the one-page PDF ------------------------------------------------------------------------------------

class _Summary(FPDF):
    def __init__(self, title: str, fingerprint_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(14, 14, 14)
        self.title_text = title
        self.fingerprint_text = fingerprint_text

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"{self.title_text} · figures {self.fingerprint_text} · page {self.page_no()} of 1",
                  align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 11)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "", 9)
        self.cell(130, 5, label)
        self.set_font("DejaVu", "B", 9)
        self.cell(0, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], widths: list[float], rows: list[list[str]], *, limit: int) -> None:
        self.set_font("DejaVu", "B", 7.5)
        for i, (text, width) in enumerate(zip(header, widths, strict=True)):
            self.cell(width, 5, text, border="B", align="L" if i < 2 else "R")
        self.ln()
        self.set_font("DejaVu", "", 7.5)
        for row in rows[:limit]:
            for i, (text, width) in enumerate(zip(row, widths, strict=True)):
                self.cell(width, 3.7, text, align="L" if i < 2 else "R")
            self.ln()
        if len(rows) > limit:
            self.cell(0, 4.4, f"… and {len(rows) - limit} more rows: see the CSV file.", new_x="LMARGIN", new_y="NEXT")


def pdf_summary(month_label: str, last_day: dt.date, s297_figures: dict, ctls: dict, practitioners: dict) -> bytes:
    """The month on one page: the section 297 counts, the CTLS sales by province and category, and the
    practitioners' totals."""
    prints = "/".join(fingerprint(f)[:8] for f in (s297_figures, ctls, practitioners))
    pdf = _Summary(f"Monthly reports, {month_label}", prints)
    pdf.set_creation_date(dt.datetime(last_day.year, last_day.month, last_day.day, tzinfo=dt.UTC))
    pdf.set_title(f"Monthly reports, {month_label}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 9, f"Monthly reports to Health Canada: {month_label}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, "Sales count in the month the order shipped; returns in the month they were received. "
                         "Quantities in kg to 3 decimals (seeds and plants in numbers), values in dollars.")
    pdf.heading("Section 297 of the Cannabis Regulations")
    pdf.pair(f"Clients with a valid registration on {last_day:%Y-%m-%d} (s. 297(1)(a))",
             f"{s297_figures['valid_registrations']:,}")
    pdf.pair("Clients whose medical document was transferred or returned (s. 297(1)(b))",
             f"{s297_figures['documents_transferred_or_returned']:,}")
    pdf.pair("    of which transferred to another seller", f"{s297_figures['documents_transferred']:,}")
    pdf.pair("    of which returned to the client", f"{s297_figures['documents_returned']:,}")
    for key, label, sub in zip(DAILY_QUANTITIES, ("Average", "Median", "Highest"), ("i", "ii", "iii"), strict=True):
        pdf.pair(f"{label} daily quantity of dried cannabis, valid registrations' documents (s. 297(1)(c)({sub}))",
                 f"{_grams(s297_figures[key]) or '-'} g")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.multi_cell(0, 4, s297_figures["not_made"])
    pdf.heading("CTLS: sales for medical purposes")
    t = ctls["totals"]
    pdf.pair("Packaged units sold", f"{t['units']:,}")
    pdf.pair("Quantity sold (kg, weighed categories)", f"{t['kg']:f}")
    pdf.pair("Value of sales", formatting.money(t["value"]))
    pdf.pair("Packaged units returned", f"{t['returned_units']:,}")
    pdf.pair("Quantity returned (kg)", f"{t['returned_kg']:f}")
    pdf.ln(1)
    pdf.table(["Province", "Category", "Units", "Quantity", "Unit", "Value ($)", "Ret. units", "Ret. qty"],
              [22, 38, 18, 24, 14, 26, 20, 24],
              [[r["province"], r["category"], f"{r['units']:,}", f"{r['quantity']:f}", r["unit"],
                f"{r['value']:,.2f}", f"{r['returned_units']:,}", f"{r['returned_quantity']:f}"]
               for r in ctls["rows"]], limit=PDF_CTLS_ROWS)
    pdf.heading("Health care practitioners (s. 297(1)(f) and (g))")
    rows = practitioners["rows"]
    pdf.pair("Practitioners behind valid registrations", f"{len(rows):,}")
    pdf.pair("Medical documents behind valid registrations", f"{sum(r['clients'] for r in rows):,}")
    top = sorted(rows, key=lambda r: (-r["clients"], r["practitioner"], r["licence"]))
    pdf.set_font("DejaVu", "", 7.5)
    pdf.multi_cell(0, 4, practitioners["note"], new_x="LMARGIN", new_y="NEXT")
    pdf.table(["Practitioner", "Licence", "Documents", "Daily g", "Average g"], [60, 36, 24, 30, 30],
              [[r["practitioner"], r["licence"], f"{r['clients']:,}", f"{r['daily_grams']:f}",
                f"{r['average_daily_grams']:f}"] for r in top], limit=5)
    return bytes(pdf.output())
