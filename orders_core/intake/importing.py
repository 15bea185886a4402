"""Importing clients, medical documents, coverage policies and products from CSV files.

A file is read whole, every row is checked with the same field rules as the forms (``registration``,
``prescriptions``, ``policies``, ``catalogue``), and then either nothing is written (any bad row: the
report lists every bad cell with its row, column, value and reason) or every row is written in one
transaction, set-based (the rows go to the database as one table: DuckDB reads the DataFrame, PostgreSQL
gets it with COPY, ``dialect.frame_table``; inserts and updates are single SQL statements, the same on
both engines, ``import_writers``), each new or changed row recording an event with what changed.

Rows are matched on a stable key, so importing the same file twice changes nothing and a corrected
file updates rows instead of duplicating them:
- clients: ``client_number`` (the previous system's number, required in a file);
- medical documents: the client's number and ``valid_from`` (one document per client and start);
- policies: the client's number, the insurer and ``valid_from``;
- products: the SKU.

Decisions (where the requirements are silent):
- Row numbers are the spreadsheet's: the header is row 1, the first client row 2.
- UTF-8 with or without a byte-order mark; any other encoding is refused in one sentence. A header
  with more ';' than ',' is read as semicolon-separated (French-Canadian Excel's CSV).
- Column names are the template's (case and spaces around them ignored); a missing or unknown column
  refuses the file in one sentence.
- Money and quantities use a private parser (``fields``) until the shared one lands.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from orders_core.catalogue import products as catalogue
from orders_core.clients import policies, prescriptions, registration
from orders_core.intake.writers import WRITERS as _WRITERS
from orders_core.intake.writers import BadCell, FileReport
from orders_core.rules import fields as f
from orders_core.rules.parsing import FOREIGN_DIGIT, foreign_digit
from orders_core.rules.roles import Person, require
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.transactions import RolledBack, write_or_roll_back

KINDS = ("clients", "prescriptions", "policies", "products")
# The columns of each kind that hold an id (a digit in them must be 0-9: ``rules.parsing.foreign_digit``).
ID_COLUMNS = {"clients": ("client_number",), "prescriptions": ("client_number",), "policies": ("client_number",),
              "products": ("sku",)}
MAX_BYTES = 200 * 1024 * 1024


class ImportRefused(ValueError):
    """A file that cannot be read at all (encoding, columns), said in one sentence."""


@dataclass
class ImportReport(FileReport):
    kind: str
    rows: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        if self.problems:
            return self.refusal(self.rows, "rows")
        verb = self.verb()
        return (f"{verb}: {self.rows:,} {self.kind} rows, {self.added:,} new, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged.")


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class Kind:
    columns: dict[str, str]          # file column -> record field
    required: tuple[str, ...]        # file columns that must be present
    example: dict[str, str]
    key: tuple[str, ...]             # file columns that identify a row
    check: Callable[[dict, dt.date], f.Checker]


def _client_check(raw: dict, today: dt.date) -> f.Checker:
    c = registration.check_client(raw, today)
    if c.values.get("previous_system_id") is None and "previous_system_id" not in c.errors:
        c.fail("previous_system_id", "is empty; every imported client needs their number in the previous system")
    return c


def _with_client(check: Callable[[dict], f.Checker]) -> Callable[[dict, dt.date], f.Checker]:
    def run(raw: dict, today: dt.date) -> f.Checker:
        c = check(raw)
        c.field("client_number", f.text, limit=50)
        return c
    return run


SPECS: dict[str, Kind] = {
    "clients": Kind(
        columns={"client_number": "previous_system_id", "name": "name", "date_of_birth": "date_of_birth",
                 "email": "email", "phone": "phone", "address_line1": "address_line1",
                 "address_line2": "address_line2", "city": "city", "province": "province",
                 "postal_code": "postal_code", "registration_status": "registration_status",
                 "registered_on": "registered_on"},
        required=("client_number", "name", "date_of_birth", "address_line1", "city", "province", "postal_code",
                  "registered_on"),
        example={"client_number": "A-10442", "name": "Éloïse Tremblay", "date_of_birth": "1968-04-21",
                 "email": "eloise.tremblay@example.ca", "phone": "514-555-0148",
                 "address_line1": "4120 rue Saint-Denis", "address_line2": "App. 3", "city": "Montréal",
                 "province": "QC", "postal_code": "H2W 2M5", "registration_status": "Approved",
                 "registered_on": "2025-09-02"},
        key=("client_number",),
        check=_client_check,
    ),
    "prescriptions": Kind(
        columns={"client_number": "client_number", "grams_per_day": "grams_per_day", "valid_from": "valid_from",
                 "valid_until": "valid_until", "practitioner_name": "prescriber",
                 "practitioner_licence": "practitioner_licence"},
        required=("client_number", "grams_per_day", "valid_from", "valid_until", "practitioner_name",
                  "practitioner_licence"),
        example={"client_number": "A-10442", "grams_per_day": "2.5", "valid_from": "2025-09-01",
                 "valid_until": "2026-08-31", "practitioner_name": "Dre Marie-Claude Gagnon",
                 "practitioner_licence": "CMQ 12345"},
        key=("client_number", "valid_from"),
        check=_with_client(prescriptions.check_document),
    ),
    "policies": Kind(
        columns={"client_number": "client_number", "insurer": "insurer", "share_percent": "share",
                 "max_dollars_per_period": "max_dollars_per_period",
                 "max_grams_per_period": "max_grams_per_period", "valid_from": "valid_from",
                 "valid_until": "valid_until"},
        required=("client_number", "insurer", "share_percent", "valid_from"),
        example={"client_number": "A-10442", "insurer": "Veterans Affairs Canada", "share_percent": "100",
                 "max_dollars_per_period": "", "max_grams_per_period": "90", "valid_from": "2025-09-01",
                 "valid_until": ""},
        key=("client_number", "insurer", "valid_from"),
        check=_with_client(policies.check_policy),
    ),
    "products": Kind(
        columns={"sku": "sku", "name": "name", "brand": "brand", "regulatory_class": "regulatory_class",
                 "category": "category", "net_content": "net_content", "net_unit": "net_unit",
                 "unit_price": "unit_price", "lot_number": "lot_number", "bin_location": "bin_location",
                 "active": "active"},
        required=("sku", "name", "brand", "regulatory_class", "net_content", "net_unit", "unit_price",
                  "lot_number", "bin_location"),
        example={"sku": "FL-PK-035", "name": "Pink Kush 3.5 g", "brand": "Laurentian Growers",
                 "regulatory_class": "dried", "category": "Dried flower", "net_content": "3.5", "net_unit": "g",
                 "unit_price": "$32.50", "lot_number": "PK-2025-114", "bin_location": "A-01-1", "active": "yes"},
        key=("sku",),
        check=lambda raw, today: catalogue.check_product(raw),
    ),
}


def template_csv(kind: str) -> str:
    """The kind's CSV template: its columns and one example row."""
    spec = SPECS[kind]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(spec.columns), lineterminator="\n")
    writer.writeheader()
    writer.writerow(spec.example)
    return out.getvalue()


# --------------------------------------------------------------------------- reading


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped); ImportRefused for any other encoding."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not in UTF-8 (it may be Latin-1 or Windows-1252): save it as "
                            "'CSV UTF-8' and import it again.") from None


@dataclass
class Rows:
    """A file's rows as text, with the template's column names."""

    columns: list[str]
    rows: list[list[str]]

    def __len__(self) -> int:
        return len(self.rows)

    def preview(self, n: int = 10) -> pd.DataFrame:
        return pd.DataFrame(self.rows[:n], columns=self.columns, index=range(2, 2 + min(n, len(self.rows))))


def read_rows(kind: str, data: bytes) -> Rows:
    """The file's rows as text; ImportRefused when the file cannot be read or has the wrong columns."""
    if kind not in SPECS:
        raise ImportRefused(f"{kind!r} is not something we import ({', '.join(KINDS)}).")
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB; split it.")
    content = decode(data)
    if not content.strip():
        raise ImportRefused("The file is empty.")
    header = content.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        table = [r for r in csv.reader(io.StringIO(content, newline=""), delimiter=sep) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise ImportRefused(f"The file is not a CSV file we can read ({exc}).") from None
    spec = SPECS[kind]
    columns = [c.strip().lower().replace(" ", "_") for c in table[0]]
    unknown = [c for c in columns if c not in spec.columns]
    missing = [c for c in spec.required if c not in columns]
    if missing:
        raise ImportRefused(f"The file has no column {', '.join(missing)}; the {kind} template's columns are "
                            f"{', '.join(spec.columns)}.")
    if unknown:
        raise ImportRefused(f"The file has a column {unknown[0]!r} that the {kind} template does not have "
                            f"({', '.join(spec.columns)}).")
    width = len(columns)
    rows = [r + [""] * (width - len(r)) if len(r) < width else r[:width] for r in table[1:]]
    return Rows(columns, rows)


# --------------------------------------------------------------------------- checking


def check_rows(kind: str, rows: Rows, today: dt.date) -> tuple[list[dict], list[BadCell]]:
    """Every row checked field by field: the clean records and every bad cell."""
    spec = SPECS[kind]
    to_column = {v: k for k, v in spec.columns.items()}
    fields_ = [spec.columns[c] for c in rows.columns]
    records, problems = [], []
    check = spec.check
    ids = [(rows.columns.index(c), spec.columns[c]) for c in ID_COLUMNS[kind] if c in rows.columns]
    for i, values in enumerate(rows.rows):
        row = i + 2
        c = check(dict(zip(fields_, values, strict=True)), today)
        for at, name in ids:  # an id with a digit that is not 0-9 ("²", "٣") is refused, whatever else it is
            odd = foreign_digit(values[at])
            if odd is not None:
                c.errors[name] = FOREIGN_DIGIT.format(odd)
        if c.errors:
            raw = dict(zip(rows.columns, values, strict=True))
            for name, reason in c.errors.items():
                column = to_column.get(name, name)
                problems.append(BadCell(row, column, str(raw.get(column, "")), reason))
        c.values["_row"] = row
        records.append(c.values)
    problems += _duplicate_keys(spec, rows)
    return records, sorted(problems, key=lambda p: p.row)


def _duplicate_keys(spec: Kind, rows: Rows) -> list[BadCell]:
    at = [rows.columns.index(k) for k in spec.key]
    first: dict[tuple, int] = {}
    out = []
    for i, values in enumerate(rows.rows):
        key = tuple(" ".join(values[j].split()).casefold() for j in at)
        if key in first:
            out.append(BadCell(i + 2, spec.key[-1], values[at[-1]],
                               f"repeats row {first[key]} ({', '.join(spec.key)} must be unique in a file)"))
        else:
            first[key] = i + 2
    return out


# --------------------------------------------------------------------------- writing


def import_file(db: Database, kind: str, data: bytes, actor: Person, *, dry_run: bool = False,
                today: dt.date | None = None, source: str = "a file") -> ImportReport:
    """Check ``data`` and, when every row is right and not ``dry_run``, write it all in one transaction.

    ``actor`` must be allowed the kind's action (``IMPORT_ACTIONS``), checked before the file is read and
    again in the transaction; a dry run too, since its report quotes the database's records."""
    require(actor, import_action(kind))
    today = today or dt.date.today()
    rows = read_rows(kind, data)
    records, problems = check_rows(kind, rows, today)
    report = ImportReport(kind, len(rows), problems=problems)
    bad_rows = {p.row for p in problems}
    clean = [r for r in records if r["_row"] not in bad_rows]

    def work(cur: Cursor) -> ImportReport:
        verify(cur, actor, import_action(kind))
        if clean:  # the rows that are right in themselves meet what only the database knows
            _stage(cur, kind, clean)
            report.problems = sorted(problems + _WRITERS[kind].problems(cur, clean), key=lambda p: p.row)
        if report.problems or not clean:
            raise RolledBack(report)
        report.added, report.updated, report.unchanged = _WRITERS[kind].write(cur, actor, source)
        if dry_run:
            raise RolledBack(report)
        report.committed = True
        return report

    return write_or_roll_back(db, work)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _stage(cur: Cursor, kind: str, records: list[dict]) -> None:
    """The clean records as one table ``imp_raw`` (all text; the writers cast)."""
    names = [k for k in records[0] if k != "_row"] if records else []
    frame = pd.DataFrame({
        "_row": pd.array([r["_row"] for r in records], dtype="int64"),
        **{n: pd.array([_text(r.get(n)) for r in records], dtype="str") for n in names},
    })
    d = dialect.of(cur)
    with d.frame_table(cur, "imp_frame", frame, {"_row": "BIGINT"}):
        cur.execute(d.temp_table_as("imp_raw", "SELECT * FROM imp_frame"))


# What each kind of import is in the role table (rules.roles): products are the catalogue; clients,
# their medical documents and policies are registration; Client Portal orders are creating orders.
IMPORT_ACTIONS = {"clients": "register_clients", "prescriptions": "register_clients",
                  "policies": "register_clients", "products": "manage_catalogue", "orders": "create_order"}


def import_action(kind: str) -> str:
    """The role-table action an import of ``kind`` needs."""
    return IMPORT_ACTIONS[kind]
