"""`orders-core staff add|list|set-role|deactivate|reactivate|history`.

The first administrator is made with ``staff add --first-admin`` while the list
has none; after that every change is made ``--as`` an administrator.
"""

from __future__ import annotations

import argparse

from orders_core.cli.options import acting_person, add_as_option, add_db_option
from orders_core.rules.roles import ROLES
from orders_core.staff import members as staff
from orders_core.storage.database import open_database


def _open(args):
    return open_database(args.db, create=False)


def _run(args, change) -> int:
    db = _open(args)
    try:
        actor = acting_person(db.cursor(), args, "manage_staff")
        print(change(db, actor))
        return 0
    finally:
        db.close()


def _add(args) -> int:
    if args.first_admin:
        db = _open(args)
        try:
            person = staff.add_first_administrator(db, args.email, args.name)
        finally:
            db.close()
        print(f"{person.name} <{person.email}> is the first Administrator.")
        return 0
    if not args.role:
        raise staff.StaffError("Give the role with --role (" + ", ".join(ROLES) + ").")
    return _run(args, lambda db, actor: "Added " + _line(staff.add(db, actor, args.email, args.name, args.role)))


def _line(p: staff.Person) -> str:
    return f"{p.name} <{p.email}> as {p.role}."


def _list(args) -> int:
    db = _open(args)
    try:
        cur = db.cursor()
        acting_person(cur, args, "manage_staff")
        rows = staff.list_staff(cur, include_inactive=not args.active)
    finally:
        db.close()
    for m in rows:
        state = "active" if m.active else "deactivated"
        print(f"{m.email}\t{m.name}\t{m.role}\t{state}\tchanged {m.changed_at:%Y-%m-%d %H:%M} by {m.changed_by_name}")
    if not rows:
        print("The staff list is empty; make the first administrator with `orders-core staff add "
              "--first-admin EMAIL NAME`.")
    return 0


def _history(args) -> int:
    db = _open(args)
    try:
        cur = db.cursor()
        acting_person(cur, args, "manage_staff")
        rows = staff.history(cur, args.email)
    finally:
        db.close()
    for at, email, name, role, _active, change, by_name, by in rows:
        print(f"{at:%Y-%m-%d %H:%M:%S}\t{email}\t{name}\t{role}\t{change}\tby {by_name} <{by}>")
    return 0


def register_cli(subparsers) -> None:
    top = subparsers.add_parser("staff", help="who may sign in, and their roles")
    sub = top.add_subparsers(dest="staff_command", required=True)

    def command(name: str, help_: str, func, email: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        if email:
            p.add_argument("email", help="the person's e-mail address (their identity)")
        add_db_option(p)
        add_as_option(p)
        p.set_defaults(func=func)
        return p

    p = command("add", "put a person on the staff list", _add)
    p.add_argument("name", help="their name as events and records will show it")
    p.add_argument("--role", choices=ROLES, help="their role")
    p.add_argument("--first-admin", action="store_true",
                   help="make the first Administrator (only while the list has none; no --as needed)")
    p = command("set-role", "change a person's role", lambda a: _run(
        a, lambda db, actor: "Now " + _line(staff.set_role(db, actor, a.email, a.role))))
    p.add_argument("role", choices=ROLES)
    command("deactivate", "take a person's access away (their history stays)", lambda a: _run(
        a, lambda db, actor: "Deactivated " + _line(staff.deactivate(db, actor, a.email))))
    command("reactivate", "give a deactivated person their access back", lambda a: _run(
        a, lambda db, actor: "Reactivated " + _line(staff.reactivate(db, actor, a.email))))
    p = command("list", "show the staff list", _list, email=False)
    p.add_argument("--active", action="store_true", help="only active staff")
    p = command("history", "show every change to the staff list", _history, email=False)
    p.add_argument("email", nargs="?", default=None, help="only this person's changes")
