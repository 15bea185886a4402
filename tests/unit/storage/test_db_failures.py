"""Only a transaction conflict is retried; a permanent failure is one sentence at once, and a
database found damaged after it opened is one sentence in the command line."""

from __future__ import annotations

import duckdb
import pytest

from orders_core.cli.main import main
from orders_core.storage.database import Database
from orders_core.storage.errors import DatabaseError, explain_failure
from orders_core.storage.transactions import run_write
from tests.checksums import checksum
from tests.damage import damage


def failing(exc: Exception):
    calls = []

    def work(cur):
        calls.append(1)
        cur.execute("SELECT 1").fetchall()
        raise exc

    return work, calls


@pytest.mark.parametrize("exc, sentence", [
    (duckdb.TransactionException("TransactionContext Error: Failed to commit: IO Error: Cannot open file "
                                 "\"/srv/orders.duckdb.wal\": Permission denied"),
     "The database folder is read-only: nothing was saved; ask for write access to it."),
    (duckdb.IOException("IO Error: Could not write file \"x.wal\": No space left on device"),
     "The disk that holds the database is full: nothing was saved; free some space and try again."),
    (duckdb.Error("Corrupt database file: computed checksum 1 does not match stored checksum 2"),
     "The database is damaged: restore it from a backup."),
])
def test_a_permanent_failure_is_not_retried_and_is_one_sentence(empty_db, exc, sentence):
    work, calls = failing(exc)
    with pytest.raises(DatabaseError) as err:
        run_write(empty_db.cursor(), work)
    assert str(err.value) == sentence
    assert len(calls) == 1


def test_a_conflict_is_retried(empty_db):
    calls = []

    def work(cur):
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.TransactionException("TransactionContext Error: Catalog write-write conflict on x")
        return "done"

    assert run_write(empty_db.cursor(), work) == "done"
    assert len(calls) == 3


def test_any_other_error_is_raised_as_it_is(empty_db):
    work, calls = failing(duckdb.ConstraintException("Constraint Error: Duplicate key"))
    with pytest.raises(duckdb.ConstraintException):
        run_write(empty_db.cursor(), work)
    assert len(calls) == 1
    assert explain_failure(duckdb.ConstraintException("Duplicate key")) is None


@pytest.mark.parametrize("argv", [
    ["recurring", "run", "--dry-run", "--as-of", "2026-11-26", "--as", "csr@demo.example"],
    ["recurring", "run", "--as-of", "2026-11-26", "--as", "csr@demo.example"],
    ["picking-list", "-o", "{tmp}/list.pdf", "--as", "fulfillment@demo.example"],
])
def test_a_damaged_database_is_one_sentence_in_the_cli(db_path, tmp_path, capsys, argv):
    damage(db_path)
    Database(str(db_path), create=False).close()  # it opens: the damage is found by the first real query
    before = checksum(db_path)
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--db", str(db_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("is damaged: restore it from a backup.") and len(err.splitlines()) == 1
    assert checksum(db_path) == before
    assert not (tmp_path / "list.pdf").exists()


def test_a_conflict_that_never_clears_is_one_sentence_after_the_retries(tmp_path, monkeypatch):
    """A write that loses every retry is told in one sentence, and nothing of it is kept."""
    import duckdb as _duckdb

    from orders_core.storage import database as dbmod
    from orders_core.storage import transactions

    monkeypatch.setattr(transactions.time, "sleep", lambda _s: None)
    database = dbmod.Database(str(tmp_path / "busy.duckdb"))
    attempts = []

    def work(cur):
        attempts.append(1)
        cur.execute("INSERT INTO carriers VALUES ('Busy Carrier')")
        raise _duckdb.TransactionException("TransactionContext Error: Conflict on tuple deletion!")

    try:
        with pytest.raises(dbmod.DatabaseError, match="^Other changes to the same records kept getting in first"):
            database.write(work)
        assert len(attempts) == transactions.WRITE_RETRIES
        assert database.cursor().execute(
            "SELECT count(*) FROM carriers WHERE name = 'Busy Carrier'").fetchall() == [(0,)]
    finally:
        database.close()
