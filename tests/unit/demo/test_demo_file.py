"""`orders-core demo` builds into a temporary file and moves it into place only when complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from orders_core.cli.main import main
from orders_core.storage.reads import fetch_value
from tests.checksums import checksum


def orders_in(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return fetch_value(con, "SELECT count(*) FROM orders")
    finally:
        con.close()


@pytest.mark.parametrize("count", ["0", "-5", "ten", "٣"])
def test_no_orders_or_a_negative_number_is_refused_and_leaves_no_file(tmp_path, capsys, count):
    with pytest.raises(SystemExit):
        main(["demo", "--orders", count, "--db", str(tmp_path / "data" / "orders.duckdb")])
    assert "is not a number from 1 to 10,000,000" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_demo_refuses_an_existing_database_unless_forced(tmp_path, db_path, capsys):
    before = checksum(db_path)
    assert main(["demo", "--orders", "10", "--db", str(db_path)]) == 2
    assert "already exists, so the demo was not made; add --force" in capsys.readouterr().err
    assert checksum(db_path) == before
    assert main(["demo", "--orders", "10", "--force", "--db", str(db_path)]) == 0
    assert orders_in(db_path) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.duckdb"]


def test_a_killed_demo_leaves_no_database(tmp_path):
    target = tmp_path / "data" / "orders.duckdb"
    proc = subprocess.Popen([sys.executable, "-m", "orders_core.cli", "demo", "--orders", "3000000",
                             "--db", str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in target.parent.glob(".*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()
    assert any(p.name.startswith(".orders.duckdb.demo-") for p in target.parent.iterdir())
    assert main(["demo", "--orders", "20", "--db", str(target)]) == 0  # then it is made, and the leftover goes
    assert orders_in(target) == 20
    assert [p.name for p in target.parent.iterdir()] == ["orders.duckdb"]
