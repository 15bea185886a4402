"""A medical document transferred to another holder of a licence for sale (s. 287) or returned to the client
(s. 286(6)): recorded on the Client Profile, with its client event; section 297(1)(b) counts them monthly.

Decisions (the sections say what the seller must do, not how the record looks):
- One release per document, on a business day not in the future and not before the document's first day;
  a transfer names the seller it went to, a return does not.
- The registration based on the document ends that day: the document's last valid day becomes the release
  day (never later than it already was), so no order is verified or generated on it afterwards. A document
  released on its first day keeps that one day; the history of earlier months stays as it was.
- The client event says which document, what happened, when, and to whom.
"""

from __future__ import annotations

import datetime as dt

from orders_core.clients.registration import record_client_event
from orders_core.rules import fields as f
from orders_core.rules.refusals import Refused
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one
from orders_core.storage.transactions import next_id

TRANSFERRED, RETURNED = "transferred", "returned"
KINDS = {TRANSFERRED: "Transferred to another holder of a licence for sale",
         RETURNED: "Returned to the client at their request"}
LABELS = {"kind": "What happened", "released_on": "Day", "to_seller": "Holder it went to", "document": "Document"}


class ReleaseRefused(f.RecordRefused, Refused):
    """A release that cannot be recorded; nothing was written."""


def release_document(db: Database, prescription_id: int, raw: dict, actor: Person,
                     today: dt.date | None = None) -> str:
    """Record that the document was transferred or returned (``raw``: kind, released_on, to_seller); returns
    the sentence the page shows."""
    c = f.Checker(raw)
    kind = c.field("kind", f.choice, tuple(KINDS))
    day = c.field("released_on", f.business_date)
    seller = c.field("to_seller", f.text, required=kind == TRANSFERRED, limit=200) if kind == TRANSFERRED else None
    if day and day > (today or dt.date.today()):
        c.fail("released_on", "is in the future")
    errors_only = c.errors

    def work(cur: Cursor) -> str:
        verify(cur, actor, "register_clients")
        row = fetch_one(cur, "SELECT client_id, valid_from, valid_until FROM prescriptions "
                             "WHERE prescription_id = ? AND active", [prescription_id])
        errors = dict(errors_only)
        if row is None:
            errors["document"] = f"{prescription_id} is not an active medical document"
        elif fetch_one(cur, "SELECT 1 FROM medical_document_releases WHERE prescription_id = ?", [prescription_id]):
            errors["document"] = f"{prescription_id} was already transferred or returned"
        elif day and day < row[1]:
            errors["released_on"] = f"is before the document's first day ({row[1]:%Y-%m-%d})"
        if errors:
            raise ReleaseRefused(errors, LABELS)
        client_id, _start, end = row
        cur.execute(
            """INSERT INTO medical_document_releases (release_id, prescription_id, client_id, kind, released_on,
                                                     to_seller, recorded_at, recorded_by, recorded_by_email)
               VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?)""",
            [next_id(cur, "document_release_ids"), prescription_id, client_id, kind, day, seller, actor.name,
             actor.email])
        if day < end:
            cur.execute("UPDATE prescriptions SET valid_until = ? WHERE prescription_id = ?", [day, prescription_id])
        said = (f"Document {prescription_id} transferred to {seller} on {day:%Y-%m-%d}" if kind == TRANSFERRED
                else f"Document {prescription_id} returned to the client on {day:%Y-%m-%d}")
        record_client_event(cur, client_id, actor, f"document {kind}",
                            said + (f"; last valid day {day:%Y-%m-%d} (was {end:%Y-%m-%d})" if day < end else ""))
        return said + "."

    return db.write(work)


def releases(cur: Cursor, client_id: int, person: Person) -> list[dict]:
    """The client's documents transferred or returned, latest first."""
    verify(cur, person, "view_client_records")
    rows = cur.execute(
        """SELECT prescription_id, kind, released_on, to_seller, recorded_by FROM medical_document_releases
           WHERE client_id = ? ORDER BY released_on DESC, release_id DESC""", [client_id]).fetchall()
    return [dict(zip(("prescription_id", "kind", "released_on", "to_seller", "recorded_by"), r, strict=True))
            for r in rows]
