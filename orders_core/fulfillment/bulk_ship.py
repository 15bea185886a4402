"""Shipping in bulk: a carrier's file of tracking numbers marks many Order Placed orders Shipped at once, and a
delivery file marks Shipped orders Delivered; all or nothing, with the imports' problem report.

A file is CSV (UTF-8, ',' or ';'), one order per row. Its columns are mapped to what we need by a
``ColumnMap``: the Order ID, the tracking number, the ship date and the carrier (or one carrier for the
whole file), or for a delivery file the Order ID and the delivery date. ``TEMPLATES`` holds the maps
shipped with the module:

- "Standard" / "Standard delivery": our own column names (``order_id, tracking_number, ship_date, carrier``;
  ``order_id, delivered_date``); ``template_csv`` gives an example file.
- "Canada Post (EST)" and "Purolator (E-Ship Online)": the columns those tools' shipment exports name the
  reference the shipper typed (where we put the Order ID), the tracking number (Purolator calls it the PIN)
  and the date; the carrier is the tool's. Their exports vary with the account's settings: check a map
  against one real export, and map other columns on the Import page or with ``orders-core ship --map``.

Rules (decisions):
- Row numbers are the spreadsheet's (the header is row 1). Column names match without regard to case or
  spaces around them; a column the map needs and the file lacks refuses the file in one sentence.
- Each row is checked as Mark as Shipped / Mark as Delivered checks one order (``orders.bulk_lifecycle``
  with ``orders.lifecycle``'s own checks: the order exists, is in the right status and not archived, the
  carrier is ours, the tracking number has 4 to 40 letters, digits or dashes, the date is neither in the
  future nor before the order was created or shipped) and an Order ID may appear once per file. Any
  problem: nothing is written and every problem is listed with its row, column, value and reason.
- A date is YYYY-MM-DD (also YYYY/MM/DD or YYYYMMDD, as the tools write it); an empty date is today.
- Everything is written in one transaction by ``bulk_lifecycle.apply_bulk`` (one 'status' event per order, as
  one Mark as Shipped writes); a dry run checks everything, database included, and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from orders_core.orders.bulk_lifecycle import BulkItem, apply_bulk, bulk_problems
from orders_core.orders.lifecycle import normalise_tracking
from orders_core.rules.dates import check_date
from orders_core.rules.file_problems import BadCell, FileProblems
from orders_core.rules.parsing import id_in
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person, require
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.transactions import RolledBack, write_or_roll_back

SHIPPED, DELIVERED = "shipped", "delivered"
ACTIONS = {SHIPPED: "Mark as Shipped", DELIVERED: "Mark as Delivered"}
ROLE_ACTIONS = {SHIPPED: "mark_shipped", DELIVERED: "mark_delivered"}
MAX_BYTES = 20 * 1024 * 1024


class ShipFileRefused(Refused):
    """A file that cannot be read at all (encoding, columns), said in one sentence."""


@dataclass(frozen=True)
class ColumnMap:
    """Which of the file's columns hold what we need (``None``: not in the file)."""

    kind: str                          # SHIPPED or DELIVERED
    order_id: str
    date: str | None
    tracking_number: str | None = None
    carrier: str | None = None
    fixed_carrier: str | None = None   # every row ships by this carrier (the file has no carrier column)

    def needed(self) -> list[str]:
        cols = [self.order_id, self.date, self.tracking_number, self.carrier]
        return [c for c in cols if c]


TEMPLATES: dict[str, ColumnMap] = {
    "Standard": ColumnMap(SHIPPED, "order_id", "ship_date", "tracking_number", "carrier"),
    "Canada Post (EST)": ColumnMap(SHIPPED, "Customer reference", "Mailing date", "Tracking number",
                                   fixed_carrier="Canada Post"),
    "Purolator (E-Ship Online)": ColumnMap(SHIPPED, "Reference 1", "Shipment Date", "PIN",
                                           fixed_carrier="Purolator"),
    "Standard delivery": ColumnMap(DELIVERED, "order_id", "delivered_date"),
}


@dataclass
class ShipReport(FileProblems):
    """What a file found: its problems (nothing written then), or that it was written (``committed``)."""

    kind: str
    rows: int
    done: int = 0

    def summary(self) -> str:
        if self.problems:
            return self.refusal(self.rows, "rows", done="changed")
        verb = "Marked" if self.committed else "Ready to mark (nothing written yet)"
        return f"{verb} {self.rows:,} orders {self.kind}."


def template_csv(name: str) -> str:
    m = TEMPLATES[name]
    example = {m.order_id: "100123", m.date: "2026-11-26", m.tracking_number: "7023210039414604",
               m.carrier: "Canada Post"}
    cols = m.needed()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
    writer.writerow([example[c] for c in cols])
    return out.getvalue()


def read_table(data: bytes) -> tuple[list[str], list[list[str]]]:
    """The file's header and rows as text; ``ShipFileRefused`` when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise ShipFileRefused(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB; split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ShipFileRefused("The file is not in UTF-8; save it as 'CSV UTF-8' and import it again.") from None
    if not text.strip():
        raise ShipFileRefused("The file is empty.")
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        table = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise ShipFileRefused(f"The file is not a CSV file we can read ({exc}).") from None
    return [c.strip() for c in table[0]], table[1:]


def _day(text: str, today: dt.date) -> dt.date:
    raw = text.strip()
    if not raw:
        return today
    digits = raw.replace("/", "-")
    if len(digits) == 8 and digits.isdigit():
        digits = f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    try:
        return check_date(dt.date.fromisoformat(digits), "The date") if len(digits) == 10 else _bad_date(raw)
    except ValueError:
        return _bad_date(raw)


def _bad_date(raw: str) -> dt.date:
    raise ValueError(f"{raw[:40]!r} is not a date (YYYY-MM-DD).")


def check_rows(mapping: ColumnMap, header: list[str], rows: list[list[str]], today: dt.date
               ) -> tuple[list[BulkItem], list[BadCell]]:
    """Every row read through ``mapping``: the items, and every problem found in the file alone."""
    folded = {h.casefold(): i for i, h in enumerate(header)}
    missing = [c for c in mapping.needed() if c.casefold() not in folded]
    if missing:
        raise ShipFileRefused(f"The file has no column {', '.join(repr(c) for c in missing)}; choose the map that "
                              f"fits it or map its columns (it has {', '.join(header[:12])}).")
    at = {c: folded[c.casefold()] for c in mapping.needed()}
    items, problems, first = [], [], {}
    for n, values in enumerate(rows, start=2):
        cell = lambda c, v=values: (v[at[c]] if at[c] < len(v) else "").strip() if c else ""  # noqa: E731
        bad = lambda c, reason, n=n, cell=cell: problems.append(BadCell(n, c, cell(c)[:80], reason))  # noqa: E731
        order_id = id_in(cell(mapping.order_id))
        if order_id is None:
            bad(mapping.order_id, "is not an Order ID (a number such as 100123)")
        elif order_id in first:
            bad(mapping.order_id, f"repeats row {first[order_id]} (an order appears once in a file)")
        else:
            first[order_id] = n
        try:
            day = _day(cell(mapping.date), today)
        except ValueError as exc:
            bad(mapping.date, str(exc))
            day = today
        tracking = normalise_tracking(cell(mapping.tracking_number)) if mapping.kind == SHIPPED else ""
        if mapping.kind == SHIPPED and not tracking:
            bad(mapping.tracking_number, "is empty; every shipped order needs its tracking number")
        carrier = mapping.fixed_carrier or cell(mapping.carrier)
        if mapping.kind == SHIPPED and not carrier:
            bad(mapping.carrier, "is empty; choose the carrier")
        if order_id is not None:
            items.append(BulkItem(n, order_id, day, carrier, tracking))
    return items, problems


def import_file(db: Database, data: bytes, actor: Person, mapping: ColumnMap, *, dry_run: bool = False,
                today: dt.date | None = None) -> ShipReport:
    """Check the file and, when every row is right and not ``dry_run``, mark every order in one transaction."""
    require(actor, ROLE_ACTIONS[mapping.kind])
    today = today or dt.date.today()
    header, rows = read_table(data)
    items, problems = check_rows(mapping, header, rows, today)
    report = ShipReport(mapping.kind, len(rows), problems)
    action = ACTIONS[mapping.kind]
    column = {"order": mapping.order_id, "date": mapping.date, "tracking": mapping.tracking_number,
              "carrier": mapping.carrier or "carrier"}
    values = {it.row: it for it in items}

    def work(cur: Cursor) -> ShipReport:
        found = bulk_problems(cur, action, items, today) if items else []
        report.problems = sorted(problems + [_cell(row, why, column, values[row]) for row, why in found],
                                 key=lambda p: p.row)
        if report.problems or not items:
            raise RolledBack(report)
        report.done = apply_bulk(cur, actor, action, len(items))
        if dry_run:
            raise RolledBack(report)
        report.committed = True
        return report

    return write_or_roll_back(db, work)


def _cell(row: int, why: str, column: dict, item: BulkItem) -> BadCell:
    if "carrier" in why:
        return BadCell(row, column["carrier"], item.carrier[:80], why)
    if "tracking" in why:
        return BadCell(row, column["tracking"] or "", item.tracking[:80], why)
    if " date " in why:
        return BadCell(row, column["date"] or "", item.day.isoformat(), why)
    return BadCell(row, column["order"], str(item.order_id), why)
