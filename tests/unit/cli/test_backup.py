"""`orders-core backup`: a copy that opens and checks clean, whether the file is free or the app holds it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from orders_core.cli import main as cli
from orders_core.reports.check import check
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from tests.checksums import checksum

ADMIN, CSR = "admin@demo.example", "csr@demo.example"


def _orders(path: Path) -> int:
    db = Database(str(path), create=False, read_only=True)
    try:
        assert check(db.cursor()) == []
        return fetch_value(db.cursor(), "SELECT count(*) FROM orders")
    finally:
        db.close()


def test_a_free_file_is_copied_whole_and_left_as_it_was(db_path, tmp_path, capsys):
    before, target = checksum(db_path), tmp_path / "copy.duckdb"
    assert cli.main(["backup", "--db", str(db_path), "-o", str(target), "--as", ADMIN]) == 0
    assert "Backed up 2,000 orders to" in capsys.readouterr().out
    assert _orders(target) == 2000
    assert checksum(db_path) == before
    assert not list(tmp_path.glob(".copy.duckdb.backup-*"))  # no temporary file left behind


@pytest.mark.parametrize("who, target, sentence", [
    (CSR, "new.duckdb", "A CSR may not back up the database."),
    (None, "new.duckdb", "Say who you are with --as EMAIL"),
    (ADMIN, "exists.duckdb", "already exists; a backup never replaces a file"),
    (ADMIN, "missing/new.duckdb", "does not exist; make it first"),
])
def test_refused_backups_write_nothing(db_path, tmp_path, capsys, who, target, sentence):
    (tmp_path / "exists.duckdb").write_bytes(b"keep me")
    before = checksum(db_path)
    args = ["backup", "--db", str(db_path), "-o", str(tmp_path / target)] + (["--as", who] if who else [])
    assert cli.main(args) == 2
    assert sentence in capsys.readouterr().err
    assert checksum(db_path) == before
    assert (tmp_path / "exists.duckdb").read_bytes() == b"keep me"
    assert not (tmp_path / "new.duckdb").exists()


def test_a_postgresql_url_is_sent_to_its_own_tools(tmp_path, capsys):
    assert cli.main(["backup", "--db", "postgresql://u@localhost/x", "-o", str(tmp_path / "b")]) == 2
    assert "pg_dump" in capsys.readouterr().err


HOLDER = """
import sys, time
from orders_core.cli.backup import backup_as
from orders_core.storage.database import Database
db = Database(sys.argv[1], create=False)
db.serve_backups(backup_as)
print("holding", flush=True)
time.sleep(60)
"""


@pytest.fixture
def app_holding(db_path):
    """Another process holding the database read-write, as the app's server does, answering backups."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[3])
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    proc.kill()
    proc.wait()


def test_while_the_app_holds_the_file_it_writes_the_backup(app_holding, db_path, tmp_path, capsys):
    target = tmp_path / "while-running.duckdb"
    started = time.monotonic()
    assert cli.main(["backup", "--db", str(db_path), "-o", str(target), "--as", ADMIN]) == 0
    assert "Backed up 2,000 orders to" in capsys.readouterr().out
    assert time.monotonic() - started < 30
    app_holding.kill()
    app_holding.wait()
    assert _orders(target) == 2000


def test_while_the_app_holds_the_file_a_refusal_comes_back_in_one_sentence(app_holding, db_path, tmp_path, capsys):
    assert cli.main(["backup", "--db", str(db_path), "-o", str(tmp_path / "b.duckdb"), "--as", CSR]) == 2
    assert capsys.readouterr().err.strip() == "A CSR may not back up the database."
    assert not (tmp_path / "b.duckdb").exists()
