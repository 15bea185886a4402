"""A database that is not ours is refused in one sentence and left byte-for-byte as it was;
only `orders-core init` (and `demo`) make a schema, and only in a new or empty file."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from orders_core.cli.main import main
from orders_core.storage.database import Database
from orders_core.storage.errors import DatabaseError
from orders_core.storage.ownership import known_tables
from orders_core.storage.reads import fetch_value
from tests.app.pages import app_page
from tests.checksums import checksum


def foreign_db(path, table: str = "measurements"):
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE {table} (x INTEGER, label VARCHAR)")
    con.execute(f"INSERT INTO {table} VALUES (1, 'one'), (2, 'two')")
    con.close()
    return path


def text_file(path):
    path.write_text("plain text, not DuckDB")
    return path


def ours_with_a_table_of_its_own(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE my_notes (note VARCHAR)")
    con.close()
    return db_path


@pytest.mark.parametrize("make, sentence", [
    (lambda p, _: foreign_db(p), "is not an orders database (it has tables of its own, such as 'measurements')"),
    (lambda p, _: text_file(p), "is not an orders database (it is not a DuckDB file)"),
    (lambda p, db: ours_with_a_table_of_its_own(shutil.copy(db, p)), "has tables of its own, such as 'my_notes'"),
    (lambda p, _: foreign_db(p, "orders"), "is not an orders database"),
])
@pytest.mark.parametrize("command", [
    ["recurring", "run", "--dry-run"], ["recurring", "run", "--as-of", "2026-11-26"],
    ["picking-list", "-o", "{tmp}/list.pdf"], ["init"], ["demo", "--orders", "5", "--force"],
])
def test_the_cli_refuses_a_database_that_is_not_ours(tmp_path, db_path, capsys, make, sentence, command):
    path = make(tmp_path / "other.duckdb", db_path)
    before = checksum(path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--db", str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert sentence in err and len(err.splitlines()) == 1
    assert checksum(path) == before


def test_the_app_refuses_a_database_that_is_not_ours(tmp_path, monkeypatch):
    path = foreign_db(tmp_path / "other.duckdb")
    before = checksum(path)
    monkeypatch.setenv("ORDERS_DB", str(path))
    for page in ("app.py", "pages/clients.py", "pages/metrics.py"):
        at = app_page(page).run()
        assert not at.exception
        assert [e.value for e in at.error] == [
            f"{path} is not an orders database (it has tables of its own, such as 'measurements'); nothing in "
            "it was changed. Point --db or ORDERS_DB at an orders database, or create one with `orders-core init`."]
    assert checksum(path) == before


def test_init_makes_an_empty_orders_database_only_in_a_new_or_empty_file(tmp_path, db_path, capsys):
    new = tmp_path / "new" / "orders.duckdb"
    assert main(["init", "--db", str(new)]) == 0
    con = duckdb.connect(str(new), read_only=True)
    assert fetch_value(con, "SELECT count(*) FROM orders") == 0
    assert fetch_value(con, "SELECT count(*) FROM carriers") == 6
    assert {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} == known_tables()
    con.close()
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    assert main(["init", "--db", str(empty)]) == 0
    before = checksum(db_path)
    assert main(["init", "--db", str(db_path)]) == 2
    assert "already holds an orders database; nothing in it was changed." in capsys.readouterr().err
    assert checksum(db_path) == before


def test_other_commands_do_not_make_a_schema(tmp_path, capsys):
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    assert main(["recurring", "run", "--db", str(empty)]) == 2
    assert empty.read_bytes() == b""
    assert main(["recurring", "run", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert not (tmp_path / "none.duckdb").exists()
    with pytest.raises(DatabaseError, match="is a folder, not a database file"):
        Database(str(tmp_path), create=False)
