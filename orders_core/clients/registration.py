"""Clients' registration records (Cannabis Regulations Part 14): register, edit, approve, expire,
reinstate. Every write records a ``client_events`` row (who, when, what changed); nothing is deleted.

Decisions (where the requirements are silent):
- A contact is an email or a phone number (at least one); no minimum age (minors may be registered
  clients through a responsible adult), but the date of birth is in the past and after 1900.
- The registration date is required and not in the future; a new registration is Pending
  Verification unless said otherwise (imports carry the previous system's status).
- Status changes: approve (Pending Verification -> Approved), expire (Approved -> Expired),
  reinstate (Expired -> Approved). Editing never changes the status; the status buttons do.
- The previous system's number is optional, unique (``client_keys``), and may be corrected by an edit.
"""

from __future__ import annotations

import datetime as dt

from orders_core.rules import fields as f
from orders_core.rules.roles import Person
from orders_core.staff.verification import verify
from orders_core.storage import dialect
from orders_core.storage.actor_columns import who_sql
from orders_core.storage.cursor import Cursor
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.schema import REGISTRATION_STATUSES
from orders_core.storage.transactions import claim_key, next_id

LABELS = {
    "name": "Name", "date_of_birth": "Date of birth", "email": "Email", "phone": "Phone",
    "address_line1": "Address", "address_line2": "Address line 2", "city": "City",
    "province": "Province", "postal_code": "Postal code",
    "registration_status": "Registration status", "registered_on": "Registration date",
    "previous_system_id": "Number in the previous system",
}
STATUS_ACTIONS = {  # action: (from, to, event kind)
    "Approve": ("Pending Verification", "Approved", "approved"),
    "Expire": ("Approved", "Expired", "expired"),
    "Reinstate": ("Expired", "Approved", "reinstated"),
}
EARLIEST_BIRTH = dt.date(1900, 1, 1)
_COLUMNS = ("name", "date_of_birth", "email", "phone", "address_line1", "address_line2", "city",
            "province", "postal_code", "registration_status", "registered_on")


def check_client(raw: dict, today: dt.date | None = None, *, default_status: str = "Pending Verification") -> f.Checker:
    """Every field of a registration record, checked; ``.values`` are clean, ``.errors`` the reasons."""
    today = today or dt.date.today()
    c = f.Checker(raw)
    c.field("name", f.text)
    born = c.field("date_of_birth", f.date)
    if born is not None and not EARLIEST_BIRTH <= born < today:
        c.fail("date_of_birth", "must be in the past (and after 1900)")
    c.field("email", f.email)
    c.field("phone", f.phone)
    if c.ok("email", "phone") and c.values["email"] is None and c.values["phone"] is None:
        c.fail("email", "and phone are both empty; give at least one way to reach the client")
    c.field("address_line1", f.text)
    c.field("address_line2", f.text, required=False)
    c.field("city", f.text, limit=100)
    prov = c.field("province", f.province)
    c.field("postal_code", f.postal_code, prov)
    status = raw.get("registration_status")
    c.values["registration_status"] = (
        default_status if f.blank(status) else c.field("registration_status", f.choice, REGISTRATION_STATUSES))
    day = c.field("registered_on", f.business_date)
    if day is not None and day > today:
        c.fail("registered_on", "is in the future")
    c.field("previous_system_id", f.text, required=False, limit=50)
    return c


def _event(cur: Cursor, client_id: int, actor: Person, kind: str, details: str) -> None:
    cur.execute(
        "INSERT INTO client_events (event_id, client_id, event_at, actor, kind, details, actor_email) "
        "VALUES (nextval('client_event_ids'), ?, now()::TIMESTAMP, ?, ?, ?, ?)",
        [client_id, actor.name, kind, details, actor.email],
    )


record_client_event = _event


def require_client(cur: Cursor, client_id: int) -> None:
    """RecordRefused (field "client") unless ``client_id`` is a registered client: for a document or a
    policy added to a client."""
    if fetch_one(cur, "SELECT 1 FROM clients WHERE client_id = ?", [client_id]) is None:
        raise f.RecordRefused({"client": f"{client_id} does not exist"}, {"client": "Client"})


def _key_owner(cur: Cursor, number: str | None) -> int | None:
    if number is None:
        return None
    return fetch_value(cur, "SELECT client_id FROM client_keys WHERE previous_system_id = ?", [number])


def register_client(db: Database, raw: dict, actor: Person, *, today: dt.date | None = None) -> int:
    """Register a client; RecordRefused (nothing written) lists every bad field."""
    v = check_client(raw, today).values_or_refuse(LABELS)

    def work(cur: Cursor) -> int:
        verify(cur, actor, "register_clients")
        owner = _key_owner(cur, v["previous_system_id"])
        if owner is not None:
            raise f.RecordRefused({"previous_system_id": f"{v['previous_system_id']} already belongs to "
                                   f"client {owner}"}, LABELS)
        client_id = next_id(cur, "client_ids")
        cur.execute(
            f"""INSERT INTO clients (client_id, name_key, created_at, {", ".join(_COLUMNS)})
                VALUES (?, {dialect.of(cur).fold("?")}, now()::TIMESTAMP,
                        {", ".join("?" for _ in _COLUMNS)})""",
            [client_id, v["name"], *(v[k] for k in _COLUMNS)],
        )
        if v["previous_system_id"]:
            _set_key(cur, client_id, None, v["previous_system_id"])
        _event(cur, client_id, actor, "registered",
               f"Registered by {actor.name}: {v['name']}, {v['registration_status']}")
        return client_id

    return db.write(work)


def _set_key(cur: Cursor, client_id: int, old: str | None, new: str | None) -> None:
    """Point the previous system's number at the client (the 'edited' event keeps the old number)."""
    if old is not None and new is not None:
        claim_key(cur, "UPDATE client_keys SET previous_system_id = ? WHERE client_id = ?", [new, client_id])
    elif new is not None:
        claim_key(cur, "INSERT INTO client_keys VALUES (?, ?)", [new, client_id])
    else:  # the number was cleared: the mapping goes, the event 'edited' records it
        cur.execute("DELETE FROM client_keys WHERE client_id = ?", [client_id])


def client_record(cur: Cursor, client_id: int, person: Person) -> dict | None:
    """The registration record's fields as stored (with the previous system's number), or None; it holds
    the date of birth, so only for a ``person`` who may see client records."""
    verify(cur, person, "view_client_records")
    return _record(cur, client_id)


def _record(cur: Cursor, client_id: int) -> dict | None:
    row = fetch_one(
        cur,
        f"""SELECT {", ".join("c." + k for k in _COLUMNS)}, k.previous_system_id
            FROM clients c LEFT JOIN client_keys k USING (client_id) WHERE c.client_id = ?""",
        [client_id],
    )
    if row is None:
        return None
    record = dict(zip((*_COLUMNS, "previous_system_id"), row, strict=True))
    record["registration_status"] = str(record["registration_status"])
    return record


def edit_client(db: Database, client_id: int, raw: dict, actor: Person, *, today: dt.date | None = None) -> str:
    """Change a client's record (not the status); the event keeps every previous value. Returns the change."""

    def work(cur: Cursor) -> str:
        verify(cur, actor, "register_clients")
        old = _record(cur, client_id)
        if old is None:
            raise f.RecordRefused({"client": f"{client_id} does not exist"}, {"client": "Client"})
        new = check_client({**raw, "registration_status": old["registration_status"]}, today).values_or_refuse(LABELS)
        change = f.describe_changes(old, new, LABELS)
        if not change:
            return ""
        owner = _key_owner(cur, new["previous_system_id"])
        if owner not in (None, client_id):
            raise f.RecordRefused({"previous_system_id": f"{new['previous_system_id']} already belongs to "
                                   f"client {owner}"}, LABELS)
        cur.execute(
            f"""UPDATE clients SET name_key = {dialect.of(cur).fold("?")},
                    {", ".join(k + " = ?" for k in _COLUMNS)} WHERE client_id = ?""",
            [new["name"], *(new[k] for k in _COLUMNS), client_id],
        )
        if new["previous_system_id"] != old["previous_system_id"]:
            _set_key(cur, client_id, old["previous_system_id"], new["previous_system_id"])
        _event(cur, client_id, actor, "edited", change)
        return change

    return db.write(work)


def change_status(db: Database, client_id: int, action: str, actor: Person) -> str:
    """Approve, Expire or Reinstate a registration; ValueError in one sentence when it does not apply."""
    if action not in STATUS_ACTIONS:
        raise ValueError(f"{action!r} is not a registration action ({', '.join(STATUS_ACTIONS)}).")
    before, after, kind = STATUS_ACTIONS[action]

    def work(cur: Cursor) -> str:
        verify(cur, actor, "register_clients")
        status = fetch_value(cur, "SELECT registration_status::VARCHAR FROM clients WHERE client_id = ?", [client_id])
        if status is None:
            raise ValueError(f"There is no client {client_id}.")
        if status != before:
            raise ValueError(f"The registration is {status}; only registrations that are {before} can be {kind}.")
        cur.execute("UPDATE clients SET registration_status = ? WHERE client_id = ?",
                    [after, client_id])
        details = f"Registration status: {before} → {after}"
        _event(cur, client_id, actor, kind, details)
        return details

    return db.write(work)


def status_actions(status: str) -> list[str]:
    return [a for a, (before, _, _) in STATUS_ACTIONS.items() if before == status]


def client_history(cur: Cursor, client_id: int, person: Person) -> list[dict]:
    """Every change to the client's record, documents and coverage, newest first (who: 'Name (email)');
    only for a ``person`` who may see client records."""
    verify(cur, person, "view_client_records")
    rows = cur.execute(
        f"""SELECT event_at, {who_sql("actor", "actor_email")}, kind, details FROM client_events WHERE client_id = ?
           ORDER BY event_at DESC, event_id DESC""",
        [client_id],
    ).fetchall()
    return [dict(zip(("When", "Who", "What", "Details"), r, strict=True)) for r in rows]


def has_clients(cur: Cursor) -> bool:
    """Whether any client is registered (an empty database says what to do first)."""
    return bool(fetch_value(cur, "SELECT count(*) FROM (SELECT 1 FROM clients LIMIT 1) c"))
