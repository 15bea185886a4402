"""`orders-core demo --db postgresql://...`: the DuckDB demo loaded with COPY, in one transaction, into an empty
database only (``orders_core.storage.bulk_load``)."""

from __future__ import annotations

import os
import threading

import duckdb
import psycopg
import pytest

from orders_core.cli.main import main
from orders_core.demo.generate import generate
from orders_core.reports.check import check
from orders_core.storage import bulk_load, dialect
from orders_core.storage.database import Database, open_database
from orders_core.storage.reads import fetch_value
from tests.conftest import ANCHOR

pytestmark = pytest.mark.postgresql

_names = iter(range(1, 1_000_000))


@pytest.fixture
def new_database(postgres_server):
    """The URL of a new, empty PostgreSQL database (no tables at all), dropped at the end."""
    name = f"demo_{os.getpid()}_{threading.get_ident() % 10_000}_{next(_names)}"
    postgres_server.admin(f"CREATE DATABASE {name}")
    yield postgres_server.url(name)
    postgres_server.admin(f"DROP DATABASE {name} WITH (FORCE)")


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE relkind = 'r' AND nspname = current_schema()").fetchall()]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(tables)}


def _duckdb_counts(path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
        return {t: fetch_value(con, f"SELECT count(*) FROM {t}") for t in sorted(tables)}
    finally:
        con.close()


def test_the_demo_loads_into_an_empty_database_with_the_rows_of_the_file_demo(new_database, tmp_path, capsys):
    args = ["--orders", "300", "--seed", "7", "--anchor", ANCHOR.isoformat()]
    assert main(["demo", *args, "--db", new_database]) == 0
    assert "Made 300 orders" in capsys.readouterr().out
    assert main(["demo", *args, "--db", str(tmp_path / "same.duckdb")]) == 0
    expected = _duckdb_counts(tmp_path / "same.duckdb")
    got = _counts(new_database)
    assert got["orders"] == 300 and got["order_events"] > 300
    own = {"schema_migrations", *dialect.POSTGRES.own_tables,  # the summaries of orders PostgreSQL alone keeps
           *dialect.DUCKDB.tracking_grams_tables}  # and DuckDB's alone
    assert {t: n for t, n in got.items() if t not in own} == {t: n for t, n in expected.items() if t not in own}
    database = open_database(new_database, create=False)
    try:
        cur = database.cursor()
        assert check(cur) == []
        for seq, table, column in (("order_ids", "orders", "order_id"), ("event_ids", "order_events", "event_id"),
                                   ("client_ids", "clients", "client_id")):
            assert fetch_value(cur, f"SELECT nextval('{seq}')") > fetch_value(cur, f"SELECT max({column}) FROM {table}")
        same = fetch_value(cur, "SELECT sum(total_due) FROM orders")
    finally:
        database.close()
    con = duckdb.connect(str(tmp_path / "same.duckdb"), read_only=True)
    assert fetch_value(con, "SELECT sum(total_due) FROM orders") == same
    con.close()


def test_a_database_that_holds_data_is_refused_with_or_without_force(new_database, capsys):
    assert main(["demo", "--orders", "50", "--db", new_database]) == 0
    before = _counts(new_database)
    capsys.readouterr()
    assert main(["demo", "--orders", "80", "--db", new_database]) == 2
    err = capsys.readouterr().err
    assert "already holds data" in err and "demo data goes into an empty database" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["demo", "--orders", "80", "--force", "--db", new_database]) == 2
    assert "--force replaces a DuckDB file but never empties a PostgreSQL database" in capsys.readouterr().err
    assert _counts(new_database) == before


def test_a_database_that_is_not_ours_is_refused_and_left_alone(new_database, capsys):
    with psycopg.connect(new_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    assert main(["demo", "--orders", "50", "--db", new_database]) == 2
    assert "is not an orders database" in capsys.readouterr().err
    assert _counts(new_database) == {"invoices": 0}


def test_a_load_that_fails_half_way_writes_nothing(new_database, tmp_path, monkeypatch):
    source = tmp_path / "demo.duckdb"
    db = Database(str(source))
    generate(db.con, 100, seed=3, anchor=ANCHOR)
    db.close()
    target = open_database(new_database)
    empty = _counts(new_database)
    real_export = bulk_load._export

    def export(cur, select, path):
        if "FROM order_events" in select:
            raise OSError("disk full")
        return real_export(cur, select, path)

    monkeypatch.setattr(bulk_load, "_export", export)
    try:
        with pytest.raises(OSError, match="disk full"):
            bulk_load.load(source, target)
        assert _counts(new_database) == empty
        monkeypatch.setattr(bulk_load, "_export", real_export)
        assert bulk_load.load(source, target)["orders"] == 100  # and nothing was left half-done to refuse it
    finally:
        target.close()
    assert _counts(new_database)["orders"] == 100


def test_list_columns_arrive_as_arrays_and_null_and_empty_text_stay_apart(new_database, tmp_path):
    source = tmp_path / "demo.duckdb"
    db = Database(str(source))
    generate(db.con, 30, seed=5, anchor=ANCHOR)
    db.con.execute("INSERT INTO picking_lists VALUES (1, TIMESTAMP '2026-11-26 09:00', 'Zoë', [100001, 100002], "
                   "'', NULL), (2, TIMESTAMP '2026-11-26 10:00', 'Zoë', [], NULL, 'z@x.ca')")
    db.close()
    target = open_database(new_database)
    try:
        bulk_load.load(source, target)
        rows = target.cursor().execute("SELECT picking_list_id, order_ids, licence_holder, generated_by_email "
                                       "FROM picking_lists ORDER BY 1").fetchall()
    finally:
        target.close()
    assert rows == [(1, [100001, 100002], "", None), (2, [], None, "z@x.ca")]
