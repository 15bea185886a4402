"""Medical documents (the prescription behind a registration): add, renew, end early.

The 30-day periods and the allowance follow from the document in force (``orders_core.clients.records``).

Decisions (where the requirements are silent):
- The daily quantity is more than 0 and at most 150 g of dried cannabis a day, two decimals.
- A document is valid at most one year: valid until is on or after valid from and no later than
  the same day a year later.
- Adding a document whose dates overlap another active document of the client is refused; a
  renewal starts the day after the current document ends (unless another start is given).
- Ending early sets valid until to the chosen day (not before valid from, not after the current
  valid until); the event records the previous end; a document ended before it started is made inactive.
- Every change is a ``client_events`` row; no document is deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from orders_core.clients.record_ending import EndableRecord, end_record
from orders_core.clients.registration import record_client_event, require_client
from orders_core.rules import fields as f
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one
from orders_core.storage.transactions import next_id

LABELS = {
    "grams_per_day": "Daily quantity (g of dried cannabis)", "valid_from": "Valid from",
    "valid_until": "Valid until", "prescriber": "Practitioner's name",
    "practitioner_licence": "Practitioner's licence number",
}
MAX_GRAMS_PER_DAY = Decimal("150")


def check_document(raw: dict) -> f.Checker:
    c = f.Checker(raw)
    c.field("grams_per_day", f.grams, maximum=MAX_GRAMS_PER_DAY, places=2)
    start = c.field("valid_from", f.business_date)
    end = c.field("valid_until", f.business_date)
    if start and end:
        if end < start:
            c.fail("valid_until", f"is before valid from ({start:%Y-%m-%d})")
        elif end > f.one_year_after(start):
            c.fail("valid_until", f"is more than one year after valid from (at most {f.one_year_after(start):%Y-%m-%d})")
    c.field("prescriber", f.text)
    c.field("practitioner_licence", f.licence_number)
    return c


def _overlap(cur: Cursor, client_id: int, start: dt.date, end: dt.date,
             exclude: int | None = None) -> tuple | None:
    return fetch_one(
        cur,
        """SELECT prescription_id, valid_from, valid_until FROM prescriptions
           WHERE client_id = ? AND active AND valid_from <= ? AND valid_until >= ?
             AND prescription_id IS DISTINCT FROM ? ORDER BY valid_from LIMIT 1""",
        [client_id, end, start, exclude],
    )


def _describe(v: dict) -> str:
    return (f"{v['grams_per_day']} g a day from {v['valid_from']:%Y-%m-%d} to {v['valid_until']:%Y-%m-%d}, "
            f"by {v['prescriber']} (licence {v['practitioner_licence']})")


def add_document(db: Database, client_id: int, raw: dict, actor: Person, *, kind: str = "document added") -> int:
    """Record a medical document; RecordRefused (nothing written) lists every bad field."""
    v = check_document(raw).values_or_refuse(LABELS)

    def work(cur: Cursor) -> int:
        verify(cur, actor, "register_clients")
        require_client(cur, client_id)
        clash = _overlap(cur, client_id, v["valid_from"], v["valid_until"])
        if clash:
            raise f.RecordRefused({"valid_from": f"overlaps the document valid from {clash[1]:%Y-%m-%d} to "
                                   f"{clash[2]:%Y-%m-%d}; end that one first or start after it"}, LABELS)
        pid = next_id(cur, "prescription_ids")
        cur.execute(
            """INSERT INTO prescriptions (prescription_id, client_id, grams_per_day, valid_from, valid_until,
                   prescriber, active) VALUES (?, ?, ?, ?, ?, ?, TRUE)""",
            [pid, client_id, v["grams_per_day"], v["valid_from"], v["valid_until"], v["prescriber"]],
        )
        cur.execute("INSERT INTO prescription_practitioners VALUES (?, ?)", [pid, v["practitioner_licence"]])
        record_client_event(cur, client_id, actor, kind, f"Document {pid}: {_describe(v)}")
        return pid

    return db.write(work)


def renewal_defaults(cur: Cursor, client_id: int, person: Person) -> dict:
    """A renewal's suggested fields: the latest document's, starting the day after it ends, for a year."""
    latest = latest_document(cur, client_id, person)
    if latest is None:
        return {}
    start = latest["valid_until"] + dt.timedelta(days=1)
    return {**latest, "valid_from": start, "valid_until": f.one_year_after(start) - dt.timedelta(days=1)}


def renew_document(db: Database, client_id: int, raw: dict, actor: Person) -> int:
    return add_document(db, client_id, raw, actor, kind="document renewed")


DOCUMENT = EndableRecord("prescriptions", "prescription_id", "document", "document ended")


def end_document(db: Database, prescription_id: int, last_day: object, actor: Person) -> str:
    """End a document early: its last valid day becomes ``last_day``."""
    def describe(end: dt.date | None, day: dt.date, still: bool) -> str:
        return (f"Document {prescription_id} ended early: valid until {end:%Y-%m-%d} → {day:%Y-%m-%d}"
                + ("" if still else " (before it started: no longer active)"))

    return end_record(db, DOCUMENT, prescription_id, last_day, actor, describe)


_DOC_COLUMNS = ("prescription_id", "grams_per_day", "valid_from", "valid_until", "prescriber",
                "practitioner_licence")


def latest_document(cur: Cursor, client_id: int, person: Person) -> dict | None:
    docs = documents(cur, client_id, person)
    return docs[0] if docs else None


def documents(cur: Cursor, client_id: int, person: Person) -> list[dict]:
    """The client's active documents, latest first (for a ``person`` who may see client records)."""
    verify(cur, person, "view_client_records")
    rows = cur.execute(
        f"""SELECT {", ".join(_DOC_COLUMNS)} FROM prescriptions LEFT JOIN prescription_practitioners
            USING (prescription_id) WHERE client_id = ? AND active
            ORDER BY valid_from DESC, prescription_id DESC""",
        [client_id],
    ).fetchall()
    return [dict(zip(_DOC_COLUMNS, r, strict=True)) for r in rows]
