"""PostgreSQL as the orders database: the schema, what is opened and refused, the adapter.

Every test here but the placeholder ones runs on the test run's own PostgreSQL (``postgres_server``),
and is skipped with the reason when PostgreSQL is not installed.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from orders_core.cli import main as cli
from orders_core.storage import dialect
from orders_core.storage.database import open_database
from orders_core.storage.errors import DatabaseError, WriteConflict
from orders_core.storage.migrations import SCHEMA_VERSION
from orders_core.storage.ownership import known_tables
from orders_core.storage.postgres import PgCursor, PostgresDatabase, describe, positional
from orders_core.storage.reads import fetch_frame, fetch_one, fetch_value, iter_frames
from orders_core.storage.schema import STATUSES
from orders_core.storage.transactions import claim_key

# ----------------------------------------------------------------- placeholders (no server needed)


@pytest.mark.parametrize(("sql", "expected", "count"), [
    ("SELECT ?, ?", "SELECT $1, $2", 2),
    ("SELECT '?' || ?", "SELECT '?' || $1", 1),
    ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1", 1),
    ('SELECT "odd?name" FROM t WHERE a = ?', 'SELECT "odd?name" FROM t WHERE a = $1', 1),
    ("SELECT 1 -- what?\n, ?", "SELECT 1 -- what?\n, $1", 1),
    ("SELECT /* ? */ ?", "SELECT /* ? */ $1", 1),
    ("DO $$ BEGIN PERFORM '?'; END $$; SELECT ?", "DO $$ BEGIN PERFORM '?'; END $$; SELECT $1", 1),
    ("SELECT 100 % 7", "SELECT 100 % 7", 0),
])
def test_only_placeholders_outside_literals_and_comments_are_numbered(sql, expected, count):
    assert positional(sql) == (expected, count)


def test_the_engine_is_chosen_by_the_target():
    assert dialect.is_postgres_url("postgresql://u@h/db") and dialect.is_postgres_url("postgres://h/db")
    assert not dialect.is_postgres_url("data/orders.duckdb") and not dialect.is_postgres_url(None)


# ----------------------------------------------------------------- on a server

pytestmark_pg = pytest.mark.postgresql


def _fresh(server, name: str) -> str:
    server.admin(f"CREATE DATABASE {name}")
    return server.url(name)


@pytestmark_pg
def test_init_creates_the_whole_schema_through_the_migrations(postgres_server, capsys):
    url = _fresh(postgres_server, "init_schema")
    assert cli.main(["init", "--db", url]) == 0
    assert "Made an empty orders database" in capsys.readouterr().out
    db = open_database(url, create=False)
    try:
        assert isinstance(db, PostgresDatabase) and "@" in db.path and "127.0.0.1" in db.path
        cur = db.cursor()
        duckdb_only = set(dialect.DUCKDB.tracking_grams_tables)
        assert dialect.POSTGRES.main_tables(cur) == set(known_tables()) - duckdb_only | {"schema_migrations", "staff",
                                                                         "staff_history", "staff_revision",
                                                                         *dialect.POSTGRES.order_counts_tables,
                                                                         *dialect.POSTGRES.order_days_tables,
                                                                         "order_carrier_counts", "sales_days",
                                                                         "metrics_masks", "metrics_daily_masks", "metrics_days",
                                                                         "client_search"}
        assert fetch_value(cur, "SELECT value FROM app_meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
        assert [r[0] for r in cur.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()] \
            == list(range(1, SCHEMA_VERSION + 1))
        assert fetch_value(cur, "SELECT enum_range(NULL::order_status)::VARCHAR") == \
            "{" + ",".join(f'"{s}"' if " " in s else s for s in STATUSES) + "}"
        assert fetch_value(cur, "SELECT nextval('order_ids')") == 100001
        assert fetch_value(cur, "SELECT count(*) FROM carriers") == 6
        assert fetch_value(cur, "SELECT " + dialect.POSTGRES.fold("?"), ["Marc-André CÔTÉ"]) == "marc-andre cote"
        # the database refuses what the schema forbids, as on DuckDB
        with pytest.raises(psycopg.errors.CheckViolation):
            cur.execute("INSERT INTO order_lines VALUES (1, 0, 'X', 1, 1, 0)")
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            cur.execute("SELECT 'Lost'::order_status")
    finally:
        db.close()
    assert cli.main(["init", "--db", url]) == 2
    assert "already holds an orders database; nothing in it was changed." in capsys.readouterr().err


@pytestmark_pg
def test_what_is_not_an_orders_database_is_refused_in_one_sentence_and_left_as_it_was(postgres_server):
    url = _fresh(postgres_server, "foreign_db")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7)")
    with pytest.raises(DatabaseError) as refused:
        open_database(url)
    assert str(refused.value) == (
        f"{describe(url)} is not an orders database (it has "
        "tables of its own, such as 'invoices'); nothing in it was changed. Point --db or ORDERS_DB at an orders "
        "database, or create one with `orders-core init`.")
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                            "'public'::regnamespace").fetchall() == [("invoices",)]
    empty = _fresh(postgres_server, "empty_db")
    with pytest.raises(DatabaseError, match="is empty .* create one with `orders-core init`"):
        open_database(empty, create=False)


@pytestmark_pg
def test_a_newer_schema_and_a_missing_database_are_refused(postgres_server, pg_empty_db):
    cur = pg_empty_db.cursor()
    cur.execute("UPDATE app_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    url = pg_empty_db.url
    cur.close()
    with pytest.raises(DatabaseError, match=f"newer version of the orders module \\(schema {SCHEMA_VERSION + 1}"):
        open_database(url)
    with pytest.raises(DatabaseError, match="does not exist; create an empty one"):
        open_database(postgres_server.url("no_such_database"))
    with pytest.raises(DatabaseError, match="could not be reached"):
        open_database("postgresql://orders:secret@127.0.0.1:1/orders")


@pytestmark_pg
def test_messages_never_show_the_password(postgres_server):
    url = postgres_server.url("no_such_database").replace("orders@", "orders:s3cret@")
    with pytest.raises(DatabaseError) as refused:
        open_database(url)
    assert "s3cret" not in str(refused.value)


@pytestmark_pg
def test_the_fetch_helpers_read_the_same_values_as_on_duckdb(pg_db):
    cur = pg_db.cursor()
    frame = fetch_frame(cur, "SELECT sku, unit_price, dried_equiv_grams, category::VARCHAR AS category "
                             "FROM products WHERE sku IN (SELECT unnest(?::VARCHAR[])) ORDER BY sku",
                        [["FL-PK-035", "AC-GRN-001"]])
    assert frame.to_dict("records") == [
        {"sku": "AC-GRN-001", "unit_price": Decimal("24.00"), "dried_equiv_grams": Decimal("0.000"),
         "category": "Accessory"},
        {"sku": "FL-PK-035", "unit_price": Decimal("32.50"), "dried_equiv_grams": Decimal("3.500"),
         "category": "Dried flower"}]
    assert fetch_one(cur, "SELECT 1 WHERE FALSE") is None
    assert sum(len(f) for f in iter_frames(cur, "SELECT * FROM products", batch=7)) == \
        fetch_value(cur, "SELECT count(*) FROM products")
    assert cur.execute("UPDATE products SET active = active WHERE FALSE").fetchall() == []
    with pytest.raises(TypeError, match="DuckDB-only"):
        cur.execute("SELECT $x", {"x": 1})


@pytestmark_pg
def test_a_serialization_failure_or_deadlock_is_retried_and_a_permanent_failure_is_not(pg_empty_db):
    attempts = []

    def flaky(cur: PgCursor):
        attempts.append(1)
        cur.execute("INSERT INTO carriers VALUES (?)", [f"Carrier {len(attempts)}"])
        if len(attempts) == 1:
            raise psycopg.errors.SerializationFailure("could not serialize access")
        if len(attempts) == 2:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return len(attempts)

    assert pg_empty_db.write(flaky) == 3
    cur = pg_empty_db.cursor()
    assert fetch_value(cur, "SELECT count(*) FROM carriers WHERE name LIKE 'Carrier %'") == 1  # two rolled back
    attempts.clear()

    def bad(cur: PgCursor):
        attempts.append(1)
        cur.execute("INSERT INTO carriers VALUES (NULL)")

    with pytest.raises(psycopg.errors.NotNullViolation):
        pg_empty_db.write(bad)
    assert len(attempts) == 1


@pytestmark_pg
def test_claim_key_makes_a_duplicate_key_a_conflict(pg_empty_db):
    cur = pg_empty_db.cursor()
    with pytest.raises(WriteConflict, match="duplicate key"):
        claim_key(cur, "INSERT INTO carriers VALUES (?)", ["UPS"])
    with pytest.raises(psycopg.errors.NotNullViolation):  # any other failure is what it is
        claim_key(cur, "INSERT INTO carriers VALUES (NULL)")
