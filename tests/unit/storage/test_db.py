"""Opening the database: clear sentences for missing, locked, foreign or newer files; writes never lost."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading

import duckdb
import pytest

from orders_core.cli.main import main as cli_main
from orders_core.storage.database import Database, explain_open_error
from orders_core.storage.errors import DatabaseError
from orders_core.storage.reads import fetch_value
from orders_core.storage.transactions import run_write
from tests.races import Meeting, join_all, race


def hold_open(path) -> subprocess.Popen:
    """Another process that holds the database read-write until killed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_a_second_process_gets_one_clear_sentence(db_path):
    holder = hold_open(db_path)
    try:
        with pytest.raises(DatabaseError) as err:
            Database(str(db_path))
        message = str(err.value)
        assert message.startswith(f"The database {db_path} is already open in another program")
        assert "\n" not in message and "Traceback" not in message
    finally:
        holder.kill()


def test_the_cli_on_a_locked_database_prints_one_sentence_and_changes_nothing(db_path, capsys):
    holder = hold_open(db_path)
    try:
        assert cli_main(["demo", "--orders", "10", "--force", "--db", str(db_path)]) == 2
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "already open in another program" in err
    con = duckdb.connect(str(db_path), read_only=True)
    assert fetch_value(con, "SELECT count(*) FROM orders") == 2000
    con.close()


def test_missing_database_is_not_created_when_asked_not_to(tmp_path):
    path = tmp_path / "nope.duckdb"
    with pytest.raises(DatabaseError, match="does not exist; create one with `orders-core init` or `orders-core demo`"):
        Database(str(path), create=False)
    assert not path.exists()


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"these are not orders" * 500)
    with pytest.raises(DatabaseError, match="is not an orders database"):
        Database(str(path))
    assert path.read_bytes() == b"these are not orders" * 500


def test_a_database_from_a_newer_version_of_the_module(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE app_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(DatabaseError, match="newer version of the orders module"):
        Database(str(db_path))
    con = duckdb.connect(str(db_path), read_only=True)
    assert fetch_value(con, "SELECT value FROM app_meta WHERE key = 'schema_version'") == "99"
    con.close()


def test_newer_duckdb_storage_is_explained():
    duckdb_says = duckdb.IOException(
        "IO Error: Trying to read a database file with version number 70, but we can only read version 67.")
    assert "newer version of DuckDB" in explain_open_error("data/orders.duckdb", duckdb_says)


def _bump_version(order_id: int, meeting: Meeting, attempts: list | None = None, one_at_a_time=None):
    """One writer's unit of work: read the order's version, then write it plus one. On each racing thread's
    first bump every racing thread has read the version before any of them writes (``meeting``);
    ``one_at_a_time``: a lock around the write."""

    def bump(cur):
        if attempts is not None:
            attempts.append(1)
        version = fetch_value(cur, "SELECT version FROM orders WHERE order_id = ?", [order_id])
        meeting.wait_once()
        with one_at_a_time or contextlib.nullcontext():
            cur.execute("UPDATE orders SET version = ? WHERE order_id = ?", [version + 1, order_id])

    return bump


def test_concurrent_writes_conflict_and_are_retried_never_lost(db):
    """Three threads bump one order's version 25 times each. Their first bumps are forced to overlap (each
    has read the version before any of them writes): the database must refuse all but one of those writes
    as conflicts, and ``run_write`` must retry them, so no bump is lost."""
    order_id = fetch_value(db.cursor(), "SELECT min(order_id) FROM orders")
    start = fetch_value(db.cursor(), "SELECT version FROM orders WHERE order_id = ?", [order_id])
    conflicts, attempts = [], []
    bump = _bump_version(order_id, Meeting(parties=3), attempts)

    def worker():
        cur = db.cursor()
        for _ in range(25):
            try:
                run_write(cur, bump)
            except duckdb.TransactionException as exc:  # pragma: no cover - would be a lost write
                conflicts.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    join_all(threads)
    assert conflicts == []
    assert fetch_value(db.cursor(), "SELECT version FROM orders WHERE order_id = ?", [order_id]) == start + 75
    assert len(attempts) >= 75 + 2  # the two overlapping bumps that lost were refused and run again


def test_control_without_a_transaction_the_same_interleaving_loses_writes(db):
    """The barrier really forces the race: three bumps that each read before any writes, outside
    ``run_write``'s transaction (every statement commits on its own; the writes one at a time, so none
    conflicts), leave the version one higher, not three."""
    order_id = fetch_value(db.cursor(), "SELECT min(order_id) FROM orders")
    start = fetch_value(db.cursor(), "SELECT version FROM orders WHERE order_id = ?", [order_id])
    bump = _bump_version(order_id, Meeting(parties=3), one_at_a_time=threading.Lock())
    outcomes = race(*[lambda: bump(db.cursor())] * 3)
    assert outcomes == [None, None, None]
    assert fetch_value(db.cursor(), "SELECT version FROM orders WHERE order_id = ?", [order_id]) == start + 1
