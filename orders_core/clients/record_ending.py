"""Ending a medical document or a coverage policy early: one rule for both.

The last day is a business date (``fields.end_day``), never after the record's own end; a record
ended before its first day is no longer active (it keeps its row: nothing is deleted). The change is
one client event, written in the same transaction, by a person whose role may register clients.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from orders_core.clients.registration import record_client_event
from orders_core.rules import fields as f
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one


@dataclass(frozen=True)
class EndableRecord:
    table: str   # our constant: "prescriptions" or "coverage_policies"
    key: str     # its id column
    noun: str    # "document", "policy": the refusal's field and words
    event: str   # the client event's kind


def end_record(db: Database, kind: EndableRecord, record_id: int, last_day: object, actor: Person,
               describe: Callable[[dt.date | None, dt.date, bool], str]) -> str:
    """Make ``last_day`` the record's last valid day; ``describe(old end, new end, still active)`` is the
    event's details, returned for the page."""
    day = f.end_day(last_day)

    def work(cur: Cursor) -> str:
        verify(cur, actor, "register_clients")
        row = fetch_one(cur, f"SELECT client_id, valid_from, valid_until FROM {kind.table} "  # noqa: S608
                             f"WHERE {kind.key} = ? AND active", [record_id])
        if row is None:
            raise f.RecordRefused({kind.noun: f"{record_id} is not an active {kind.noun}"},
                                  {kind.noun: kind.noun.capitalize()})
        client_id, start, end = row
        if end is not None and day > end:
            raise f.RecordRefused({"valid_until": f"is after the {kind.noun}'s end ({end:%Y-%m-%d})"},
                                  {"valid_until": "The last day"})
        still = day >= start
        cur.execute(f"UPDATE {kind.table} SET valid_until = ?, active = ? WHERE {kind.key} = ?",  # noqa: S608
                    [max(day, start), still, record_id])
        details = describe(end, day, still)
        record_client_event(cur, client_id, actor, kind.event, details)
        return details

    return db.write(work)
