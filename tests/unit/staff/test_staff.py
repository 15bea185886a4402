"""The staff list: administrators change it, every change is kept, the last administrator stays, the CLI.

The tests with a database run on both engines (DuckDB and PostgreSQL), the command line's too.
"""

from __future__ import annotations

import threading

import pytest

from orders_core.cli.main import main
from orders_core.rules.roles import NotAllowed, Person
from orders_core.staff import members as staff
from orders_core.staff.members import DEMO_STAFF, StaffError
from orders_core.storage.migrations import v3_staff
from tests.conftest import ENGINES
from tests.races import join_all


@pytest.fixture
def db(engine_demo_db):
    """The demo on each engine (DuckDB, and the same rows on PostgreSQL)."""
    return engine_demo_db


CSR, FULFILLMENT, MANAGER, ADMIN = DEMO_STAFF


def test_demo_database_has_one_person_per_role(cur):
    rows = staff.list_staff(cur)
    assert sorted((m.role, m.email, m.active) for m in rows) == sorted((p.role, p.email, True) for p in DEMO_STAFF)
    assert staff.administrators(cur) == [ADMIN.name]


def test_admin_adds_changes_deactivates_and_reactivates_with_history(db, cur):
    added = staff.add(db, ADMIN, "  Luc.Gagnon@Example.CA ", " Luc   Gagnon ", "CSR")
    assert added == Person("luc.gagnon@example.ca", "Luc Gagnon", "CSR")
    assert staff.active_person(cur, "LUC.GAGNON@example.ca") == added
    staff.set_role(db, ADMIN, added.email, "Operations Manager")
    staff.deactivate(db, ADMIN, added.email)
    assert staff.active_person(cur, added.email) is None
    assert staff.member(cur, added.email).active is False
    staff.reactivate(db, ADMIN, added.email)
    assert staff.active_person(cur, added.email) == Person(added.email, "Luc Gagnon", "Operations Manager")
    changes = [(h[5], h[3], h[4], h[7]) for h in reversed(staff.history(cur, added.email))]
    assert changes == [("added as CSR", "CSR", True, ADMIN.email),
                       ("role CSR → Operations Manager", "Operations Manager", True, ADMIN.email),
                       ("deactivated", "Operations Manager", False, ADMIN.email),
                       ("reactivated", "Operations Manager", True, ADMIN.email)]
    row = cur.execute("SELECT changed_by, changed_by_name, version FROM staff WHERE email = ?",
                      [added.email]).fetchall()
    assert row == [(ADMIN.email, ADMIN.name, 4)]


@pytest.mark.parametrize("actor", [CSR, FULFILLMENT, MANAGER], ids=lambda p: p.role)
def test_only_an_administrator_changes_the_list(db, cur, actor):
    before = staff.history(cur)
    for change, args in ((staff.add, ("new@example.ca", "New Person", "CSR")),
                         (staff.set_role, (CSR.email, "Operations Manager")),
                         (staff.deactivate, (CSR.email,))):
        with pytest.raises(NotAllowed, match="may not open the Staff page or change the staff list"):
            change(db, actor, *args)
    assert staff.history(cur) == before


def test_a_deactivated_or_demoted_administrator_can_no_longer_change_it(db, cur):
    second = staff.add(db, ADMIN, "second@example.ca", "Second Admin", "Administrator")
    staff.deactivate(db, ADMIN, second.email)
    with pytest.raises(NotAllowed, match="not an active member of staff"):
        staff.add(db, second, "x@example.ca", "X", "CSR")
    # a stale Person that still says Administrator is checked against the table
    staff.reactivate(db, ADMIN, second.email)
    staff.set_role(db, ADMIN, second.email, "CSR")
    with pytest.raises(NotAllowed):
        staff.add(db, second, "x@example.ca", "X", "CSR")


@pytest.mark.parametrize(("args", "message"), [
    (("not-an-address", "Name", "CSR"), "'not-an-address' is not an e-mail address (name@example.com)."),
    (("a@b.ca", "   ", "CSR"), "Enter the person's name."),
    (("a@b.ca", "x" * 101, "CSR"), "A name is at most 100 characters."),
    (("a@b.ca", "Name", "Boss"), "'Boss' is not a role; the roles are CSR, Fulfillment Associate, "
                                 "Operations Manager, Administrator."),
    ((CSR.email.upper(), "Name", "CSR"), f"{CSR.email} is already on the staff list as {CSR.name}."),
])
def test_bad_input_is_one_sentence_and_changes_nothing(db, cur, args, message):
    before = staff.history(cur)
    with pytest.raises(StaffError) as refused:
        staff.add(db, ADMIN, *args)
    assert str(refused.value) == message
    assert staff.history(cur) == before


def test_the_last_administrator_cannot_leave(db, cur):
    with pytest.raises(StaffError, match="must keep one active Administrator"):
        staff.deactivate(db, ADMIN, ADMIN.email)
    with pytest.raises(StaffError, match="must keep one active Administrator"):
        staff.set_role(db, ADMIN, ADMIN.email, "CSR")
    assert staff.administrators(cur) == [ADMIN.name]


def test_two_administrators_removing_each_other_at_once_leave_one(db, cur):
    second = staff.add(db, ADMIN, "second@example.ca", "Second Admin", "Administrator")
    barrier = threading.Barrier(2, timeout=30)
    outcomes = []

    def remove(actor, email):
        barrier.wait()
        try:
            staff.deactivate(db, actor, email)
            outcomes.append("done")
        except (StaffError, NotAllowed) as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=remove, args=(ADMIN, second.email)),
               threading.Thread(target=remove, args=(second, ADMIN.email))]
    for t in threads:
        t.start()
    join_all(threads)
    assert outcomes.count("done") == 1, outcomes
    assert len(staff.administrators(cur)) == 1


def test_first_administrator_only_while_there_is_none(empty_db):
    cur = empty_db.cursor()
    first = staff.add_first_administrator(empty_db, "Boss@Example.ca", "Anne Boss")
    assert first == Person("boss@example.ca", "Anne Boss", "Administrator")
    assert staff.history(cur)[0][5].startswith("first administrator, made from the shell")
    with pytest.raises(NotAllowed, match="already has an administrator"):
        staff.add_first_administrator(empty_db, "other@example.ca", "Other")


def test_upgrade_is_idempotent(db):
    db.write(v3_staff.apply)
    db.write(v3_staff.apply)
    assert len(staff.list_staff(db.cursor())) == 4


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(params=ENGINES)
def demo_target(request) -> str:
    """What ``--db`` names on each engine: the demo copy's file, or the PostgreSQL demo's URL."""
    if request.param == "duckdb":
        return str(request.getfixturevalue("db_path"))
    return request.getfixturevalue("pg_demo_db").url


@pytest.fixture(params=ENGINES)
def new_target(request, tmp_path) -> str:
    """A new orders database with no one on the staff list: a new file, or an empty PostgreSQL database."""
    if request.param == "duckdb":
        from orders_core.storage.database import Database

        path = str(tmp_path / "new.duckdb")
        Database(path).close()
        return path
    return request.getfixturevalue("pg_empty_db").url


def test_cli_acts_as_a_named_administrator(demo_target, capsys):
    db = demo_target
    assert run_cli(capsys, "staff", "list", "--db", db) == (
        2, "", "Say who you are with --as EMAIL (an address on the staff list).\n")
    code, _, err = run_cli(capsys, "staff", "list", "--db", db, "--as", "nobody@example.ca")
    assert (code, err) == (2, "nobody@example.ca is not on the staff list; ask an administrator to add you.\n")
    code, _, err = run_cli(capsys, "staff", "add", "x@example.ca", "X Y", "--role", "CSR", "--db", db,
                           "--as", CSR.email)
    assert (code, err) == (2, "A CSR may not open the Staff page or change the staff list.\n")
    code, out, _ = run_cli(capsys, "staff", "add", "luc@example.ca", "Luc Gagnon", "--role", "CSR", "--db", db,
                           "--as", ADMIN.email)
    assert (code, out) == (0, "Added Luc Gagnon <luc@example.ca> as CSR.\n")
    assert run_cli(capsys, "staff", "set-role", "luc@example.ca", "Operations Manager", "--db", db,
                   "--as", ADMIN.email)[:2] == (0, "Now Luc Gagnon <luc@example.ca> as Operations Manager.\n")
    assert run_cli(capsys, "staff", "deactivate", "luc@example.ca", "--db", db, "--as", ADMIN.email)[0] == 0
    code, _, err = run_cli(capsys, "staff", "list", "--db", db, "--as", "luc@example.ca")
    assert (code, err) == (2, "luc@example.ca (Luc Gagnon) has been deactivated; ask an administrator.\n")
    code, out, _ = run_cli(capsys, "staff", "list", "--db", db, "--as", ADMIN.email)
    assert code == 0 and "luc@example.ca\tLuc Gagnon\tOperations Manager\tdeactivated" in out
    code, _, err = run_cli(capsys, "staff", "add", "me@example.ca", "Me", "--first-admin", "--db", db)
    assert code == 2 and "already has an administrator" in err


def test_cli_makes_the_first_administrator(new_target, capsys):
    path = new_target
    code, out, _ = run_cli(capsys, "staff", "add", "boss@example.ca", "Anne Boss", "--first-admin", "--db", path)
    assert (code, out) == (0, "Anne Boss <boss@example.ca> is the first Administrator.\n")
    code, out, _ = run_cli(capsys, "staff", "list", "--db", path, "--as", "boss@example.ca")
    assert code == 0 and out.startswith("boss@example.ca\tAnne Boss\tAdministrator\tactive")
