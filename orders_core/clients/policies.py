"""Coverage policies: an insurer or Veterans Affairs Canada pays a share of covered products, up to a
dollar and/or gram maximum per 30-day period (``orders_core.orders.ordering`` applies them). Add and end.

Decisions (where the requirements are silent):
- The share is typed as a percentage (more than 0, at most 100); at least one maximum (dollars or
  grams per period) is given; valid until is optional (open-ended) and not before valid from.
- Ending a policy sets valid until to the chosen day (the event keeps the previous end); a policy ended before
  it started is made inactive. Every change is a ``client_events`` row; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt

from orders_core.clients.record_ending import EndableRecord, end_record
from orders_core.clients.registration import record_client_event, require_client
from orders_core.rules import fields as f
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.transactions import next_id

VAC = "Veterans Affairs Canada"
LABELS = {
    "insurer": "Insurer", "share": "Share paid (%)", "max_dollars_per_period": "Dollar maximum per period",
    "max_grams_per_period": "Gram maximum per period", "valid_from": "Valid from", "valid_until": "Valid until",
}


def check_policy(raw: dict) -> f.Checker:
    c = f.Checker(raw)
    insurer = c.field("insurer", f.text)
    if insurer and insurer.casefold() in ("vac", VAC.casefold(), "anciens combattants canada"):
        c.values["insurer"] = VAC
    c.field("share", f.percent)
    dollars = c.field("max_dollars_per_period", f.money, required=False)
    grams = c.field("max_grams_per_period", f.grams, required=False)
    if c.ok("max_dollars_per_period", "max_grams_per_period") and dollars is None and grams is None:
        c.fail("max_dollars_per_period", "and the gram maximum are both empty; give at least one")
    start = c.field("valid_from", f.business_date)
    end = c.field("valid_until", f.business_date, required=False)
    if start and end and end < start:
        c.fail("valid_until", f"is before valid from ({start:%Y-%m-%d})")
    return c


def describe(v: dict) -> str:
    caps = []
    if v.get("max_dollars_per_period") is not None:
        caps.append(f"${v['max_dollars_per_period']:,.2f}")
    if v.get("max_grams_per_period") is not None:
        caps.append(f"{v['max_grams_per_period'].normalize():f} g")
    until = f" to {v['valid_until']:%Y-%m-%d}" if v.get("valid_until") else ""
    return (f"{v['insurer']} pays {v['share'] * 100:.2f}".rstrip("0").rstrip(".") + "%"
            + f" up to {' and '.join(caps)} per period, from {v['valid_from']:%Y-%m-%d}{until}")


def add_policy(db: Database, client_id: int, raw: dict, actor: Person) -> int:
    v = check_policy(raw).values_or_refuse(LABELS)

    def work(cur: Cursor) -> int:
        verify(cur, actor, "register_clients")
        require_client(cur, client_id)
        pid = next_id(cur, "policy_ids")
        cur.execute(
            """INSERT INTO coverage_policies (policy_id, client_id, insurer, share, max_dollars_per_period,
                   max_grams_per_period, valid_from, valid_until, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE)""",
            [pid, client_id, v["insurer"], v["share"], v["max_dollars_per_period"], v["max_grams_per_period"],
             v["valid_from"], v["valid_until"]],
        )
        record_client_event(cur, client_id, actor, "policy added", f"Policy {pid}: {describe(v)}")
        return pid

    return db.write(work)


POLICY = EndableRecord("coverage_policies", "policy_id", "policy", "policy ended")


def end_policy(db: Database, policy_id: int, last_day: object, actor: Person) -> str:
    def describe(end: dt.date | None, day: dt.date, _still: bool) -> str:
        was = f"{end:%Y-%m-%d}" if end else "open-ended"
        return f"Policy {policy_id} ended: valid until {was} → {day:%Y-%m-%d}"

    return end_record(db, POLICY, policy_id, last_day, actor, describe)


_COLUMNS = ("policy_id", "insurer", "share", "max_dollars_per_period", "max_grams_per_period",
            "valid_from", "valid_until")


def policies(cur: Cursor, client_id: int, person: Person) -> list[dict]:
    """The client's active policies, newest first (for a ``person`` who may see client records)."""
    verify(cur, person, "view_client_records")
    rows = cur.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM coverage_policies WHERE client_id = ? AND active "
        "ORDER BY valid_from DESC, policy_id DESC",
        [client_id],
    ).fetchall()
    return [dict(zip(_COLUMNS, r, strict=True)) for r in rows]
