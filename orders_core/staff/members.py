"""The staff list: who may sign in, under which role, and every change to it.

A member of staff is known by their e-mail address (the identity provider's ``email`` claim, compared
in lower case). The ``staff`` row is the person as they are now; ``staff_history`` keeps every
version (who changed what, when); nothing is deleted: leaving is ``deactivate``.

Only an active Administrator changes the list, checked inside the write's transaction against the
staff table itself (a ``Person`` held by a page may be minutes old). The one exception is
``add_first_administrator``, for the shell, when the list has no active administrator.

Decisions the requirements left open:
- The list always keeps one active Administrator: demoting or deactivating the last one is refused.
  Every change bumps the one ``staff_revision`` row before it reads anything, so two administrators
  demoting each other at the same moment conflict in DuckDB and the retry sees the other's change, and
  on PostgreSQL the second waits on the row lock and then reads the first's change (no in-process lock).
- Names are 1-100 characters; e-mail addresses must look like one (something@domain.tld) and are
  stored in lower case.
- ``add`` of an address already on the list (active or not) is refused: change its role or reactivate it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from dataclasses import dataclass

from orders_core.rules.refusals import Refused
from orders_core.rules.roles import ADMIN, ROLES, NotAllowed, Person, article, require
from orders_core.storage.cursor import Cursor

MAX_NAME = 100
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StaffMember:
    email: str
    name: str
    role: str
    active: bool
    changed_by_name: str
    changed_at: dt.datetime

    @property
    def person(self) -> Person:
        return Person(self.email, self.name, self.role)


class StaffError(Refused, ValueError):
    """A staff change that cannot be made, in one sentence for the user."""


# --- reading -------------------------------------------------------------------------------------

_COLUMNS = "email, name, role, active, changed_by_name, changed_at"


def _rows(cur: Cursor, sql: str, params: list | None = None) -> list[StaffMember]:
    return [StaffMember(*row) for row in cur.execute(sql, params or []).fetchall()]


def list_staff(cur: Cursor, *, include_inactive: bool = True) -> list[StaffMember]:
    """Everyone on the staff list, active first, by name."""
    where = "" if include_inactive else "WHERE active"
    return _rows(cur, f"SELECT {_COLUMNS} FROM staff {where} ORDER BY NOT active, name, email")


def member(cur: Cursor, email: str) -> StaffMember | None:
    """The staff row of ``email`` (any case), active or not; None when not on the list."""
    found = _rows(cur, f"SELECT {_COLUMNS} FROM staff WHERE email = ?", [normal_email(email)])
    return found[0] if found else None


def active_person(cur: Cursor, email: str | None) -> Person | None:
    """The Person signed in as ``email`` when they are on the list and active, else None."""
    if not email:
        return None
    row = member(cur, email)
    return row.person if row and row.active else None


def acting(cur: Cursor, email: str | None, action: str | None = None) -> Person:
    """The active staff member ``email`` names, allowed to do ``action``, as they are on the list now;
    else ``StaffError`` (not on the list, deactivated) or ``NotAllowed`` (their role may not)."""
    if not email:
        raise StaffError("Say who you are with --as EMAIL (an address on the staff list).")
    row = member(cur, email)
    if row is None:
        raise StaffError(f"{normal_email(email)} is not on the staff list; ask an administrator to add you.")
    if not row.active:
        raise StaffError(f"{row.email} ({row.name}) has been deactivated; ask an administrator.")
    if action:
        require(row.person, action)
    return row.person


def administrators(cur: Cursor) -> list[str]:
    """The active administrators' names (whom to ask for access)."""
    return [m.name for m in list_staff(cur, include_inactive=False) if m.role == ADMIN]


def history(cur: Cursor, email: str | None = None) -> list[tuple]:
    """Every version of the staff list (or of one person), newest first:
    (changed_at, email, name, role, active, change, changed_by_name, changed_by)."""
    where, params = ("WHERE email = ?", [normal_email(email)]) if email else ("", [])
    return cur.execute(
        "SELECT changed_at, email, name, role, active, change, changed_by_name, changed_by "
        f"FROM staff_history {where} ORDER BY changed_at DESC, email, version DESC", params).fetchall()


# --- checking what is typed ----------------------------------------------------------------------

def normal_email(email: str) -> str:
    return (email or "").strip().lower()


def _checked_email(email: str) -> str:
    email = normal_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise StaffError(f"{email!r} is not an e-mail address (name@example.com).")
    return email


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise StaffError("Enter the person's name.")
    if len(name) > MAX_NAME:
        raise StaffError(f"A name is at most {MAX_NAME} characters.")
    return name


def _checked_role(role: str) -> str:
    if role not in ROLES:
        raise StaffError(f"{role!r} is not a role; the roles are {', '.join(ROLES)}.")
    return role


# --- writing -------------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _acting_admin(cur: Cursor, actor: Person) -> Person:
    """The actor as the staff table has them now, if they are an active Administrator."""
    now = active_person(cur, actor.email)
    if now is None:
        raise NotAllowed(f"{actor.name} is not an active member of staff.")
    require(now, "manage_staff")
    return now


def _bump(cur: Cursor) -> None:
    cur.execute("UPDATE staff_revision SET revision = revision + 1")


def _write_version(cur, email: str, name: str, role: str, active: bool, change: str,
                   by: Person, now: dt.datetime) -> None:
    version = cur.execute("SELECT coalesce(max(version), 0) + 1 FROM staff_history WHERE email = ?",
                          [email]).fetchall()[0][0]
    cur.execute("INSERT INTO staff_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [email, version, name, role, active, change, by.email, by.name, now])
    cur.execute(
        "INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET "
        "name = excluded.name, role = excluded.role, active = excluded.active, version = excluded.version, "
        "changed_by = excluded.changed_by, changed_by_name = excluded.changed_by_name, "
        "changed_at = excluded.changed_at",
        [email, name, role, active, version, by.email, by.name, now])


def _keep_an_administrator(cur: Cursor) -> None:
    if not cur.execute("SELECT count(*) FROM staff WHERE active AND role = ?", [ADMIN]).fetchall()[0][0]:
        raise StaffError("The staff list must keep one active Administrator; make another one first.")


def _change(db, actor: Person, email: str, what) -> Person:
    """Run one staff change by ``actor`` in one transaction; ``what(cur, row, by, now)`` writes it."""
    email = normal_email(email)

    def work(cur):
        _bump(cur)  # first: on PostgreSQL a concurrent change waits here, then everything below sees it
        by = _acting_admin(cur, actor)
        row = member(cur, email)
        if row is None:
            raise StaffError(f"{email} is not on the staff list.")
        result = what(cur, row, by, _now())
        _keep_an_administrator(cur)
        return result

    return db.write(work)


def add(db, actor: Person, email: str, name: str, role: str) -> Person:
    """Put a new person on the staff list (active), as ``actor`` (an Administrator)."""
    email, name, role = _checked_email(email), _checked_name(name), _checked_role(role)

    def work(cur):
        _bump(cur)  # first: on PostgreSQL a concurrent change waits here, then everything below sees it
        by = _acting_admin(cur, actor)
        existing = member(cur, email)
        if existing is not None:
            state = "" if existing.active else " (deactivated: reactivate them instead)"
            raise StaffError(f"{email} is already on the staff list as {existing.name}{state}.")
        _write_version(cur, email, name, role, True, f"added as {role}", by, _now())
        return Person(email, name, role)

    return db.write(work)


def set_role(db, actor: Person, email: str, role: str) -> Person:
    """Change a person's role, as ``actor`` (an Administrator)."""
    role = _checked_role(role)

    def what(cur, row: StaffMember, by: Person, now):
        if row.role == role:
            raise StaffError(f"{row.name} is already {article(role)} {role}.")
        _write_version(cur, row.email, row.name, role, row.active, f"role {row.role} → {role}", by, now)
        return Person(row.email, row.name, role)

    return _change(db, actor, email, what)


def rename(db, actor: Person, email: str, name: str) -> Person:
    """Correct a person's name (events already written keep the name they had then)."""
    name = _checked_name(name)

    def what(cur, row: StaffMember, by: Person, now):
        _write_version(cur, row.email, name, row.role, row.active, f"name {row.name} → {name}", by, now)
        return Person(row.email, name, row.role)

    return _change(db, actor, email, what)


def deactivate(db, actor: Person, email: str) -> Person:
    """Take a person's access away (they keep their history); takes effect at their next click."""
    return _set_active(db, actor, email, False)


def reactivate(db, actor: Person, email: str) -> Person:
    """Give a deactivated person their access back, with the role they had."""
    return _set_active(db, actor, email, True)


def _set_active(db, actor: Person, email: str, active: bool) -> Person:
    def what(cur, row: StaffMember, by: Person, now):
        if row.active == active:
            raise StaffError(f"{row.name} is already {'active' if active else 'deactivated'}.")
        _write_version(cur, row.email, row.name, row.role, active,
                       "reactivated" if active else "deactivated", by, now)
        return row.person

    return _change(db, actor, email, what)


def add_first_administrator(db, email: str, name: str) -> Person:
    """From the shell: make the first Administrator, only while the list has no active Administrator."""
    email, name = _checked_email(email), _checked_name(name)

    def work(cur):
        _bump(cur)
        if cur.execute("SELECT count(*) FROM staff WHERE active AND role = ?", [ADMIN]).fetchall()[0][0]:
            raise NotAllowed("The staff list already has an administrator; ask one to add you "
                             "(or run this with --as their e-mail).")
        existing = member(cur, email)
        person = Person(email, existing.name if existing else name, ADMIN)
        _write_version(cur, email, person.name, ADMIN, True,
                       f"first administrator, made from the shell by OS user {_os_user()}", person, _now())
        return person

    return db.write(work)


def add_demo_staff(con: Cursor, at: dt.datetime) -> None:
    """The demo's people, one per role (``orders-core demo`` is the only writer without a signed-in person)."""
    demo = Person("demo@orders.invalid", "orders-core demo", ADMIN)
    con.execute("BEGIN TRANSACTION")
    try:
        for person in DEMO_STAFF:
            if member(con, person.email) is None:
                _write_version(con, person.email, person.name, person.role, True,
                               f"added as {person.role} (demo data)", demo, at)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


DEMO_STAFF = (
    Person("csr@demo.example", "Isabelle Roy", "CSR"),
    Person("fulfillment@demo.example", "Zoë Tremblay", "Fulfillment Associate"),
    Person("manager@demo.example", "Priya Nair", "Operations Manager"),
    Person("admin@demo.example", "Marc-André Côté", "Administrator"),
)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"
