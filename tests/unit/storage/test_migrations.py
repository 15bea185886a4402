"""Schema versions: a database made by the first release (schema 1) opens upgraded, without loss."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orders_core.storage import migrations
from orders_core.storage.database import Database
from orders_core.storage.errors import DatabaseError
from orders_core.storage.intake_schema import INTAKE_TABLES
from orders_core.storage.migrations import SCHEMA_VERSION, Migration
from orders_core.storage.ownership import known_tables
from orders_core.storage.reads import fetch_value
from tests.old_schemas import unpacked

# What a user would compare before and after: every order's money and grams, every line, every event.
SNAPSHOTS = {
    "orders": "SELECT order_id, client_id, source::VARCHAR, placed_by, created_at, status::VARCHAR, subtotal, "
              "line_discount_total, order_discount, coverage_amount, shipping_charge, total_due, grams, carrier, "
              "archived_at, version FROM orders ORDER BY order_id",
    "order_lines": "SELECT * FROM order_lines ORDER BY order_id, line_no",
    "order_events": "SELECT event_id, order_id, event_at, actor, kind, details FROM order_events ORDER BY event_id",
    "order_line_history": "SELECT order_id, line_no, sku, units, unit_price, line_discount, replaced_at, replaced_by, "
                          "order_version FROM order_line_history ORDER BY order_id, order_version, line_no",
    "clients": "SELECT * FROM clients ORDER BY client_id",
    "prescriptions": "SELECT * FROM prescriptions ORDER BY prescription_id",
    "coverage_policies": "SELECT * FROM coverage_policies ORDER BY policy_id",
    "recurring_orders": "SELECT * FROM recurring_orders ORDER BY recurring_order_id",
    "recurring_order_lines": "SELECT * FROM recurring_order_lines ORDER BY recurring_order_id, line_no",
    "recurring_events": "SELECT recurring_order_id, event_at, actor, kind, details FROM recurring_events ORDER BY event_at",
    "picking_list_lines": "SELECT * FROM picking_list_lines ORDER BY picking_list_id, order_id, line_no",
}


@pytest.fixture
def schema1_path(tmp_path: Path) -> Path:
    return unpacked(1, tmp_path)


def snapshot(con) -> dict[str, list]:
    return {name: con.execute(sql).fetchall() for name, sql in SNAPSHOTS.items()}


def test_the_fixture_is_a_schema_1_database(schema1_path):
    con = duckdb.connect(str(schema1_path), read_only=True)
    assert fetch_value(con, "SELECT value FROM app_meta WHERE key = 'schema_version'") == "1"
    assert fetch_value(con, "SELECT count(*) FROM orders") == 300
    con.close()


def test_a_schema_1_database_opens_upgraded_without_loss(schema1_path):
    con = duckdb.connect(str(schema1_path))
    before = snapshot(con)
    con.close()

    db = Database(str(schema1_path))
    cur = db.cursor()
    assert snapshot(cur) == before
    assert fetch_value(cur, "SELECT value FROM app_meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
    assert [r[0] for r in cur.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()] == \
        list(range(1, SCHEMA_VERSION + 1))
    # every covered order of a client with a policy now says which policy paid, to the cent
    mismatched = fetch_value(cur, """
        SELECT count(*) FROM orders o
        JOIN (SELECT order_id, sum(amount) AS paid FROM order_coverage GROUP BY order_id) c USING (order_id)
        WHERE c.paid <> o.coverage_amount""")
    assert mismatched == 0
    assert fetch_value(cur, """
        SELECT count(*) FROM orders o WHERE coverage_amount > 0
          AND client_id IN (SELECT client_id FROM coverage_policies)
          AND order_id NOT IN (SELECT order_id FROM order_coverage)""") == 0
    # the new keys hold: a duplicate line is refused
    with pytest.raises(duckdb.ConstraintException):
        cur.execute("INSERT INTO order_lines SELECT * FROM order_lines LIMIT 1")
    # the intake tables are part of the schema-2 baseline: the upgrade made them, empty
    tables = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(INTAKE_TABLES) <= tables
    assert fetch_value(cur, "SELECT count(*) FROM client_keys") == 0
    # new template events get ids after the backfilled ones
    assert fetch_value(cur, "SELECT nextval('recurring_event_ids')") == \
        fetch_value(cur, "SELECT max(event_id) FROM recurring_events") + 1
    db.close()

    again = Database(str(schema1_path))  # a second open applies nothing again
    assert snapshot(again.cursor()) == before
    assert fetch_value(again.cursor(), "SELECT count(*) FROM schema_migrations") == SCHEMA_VERSION
    again.close()


def test_a_new_database_is_made_at_the_current_version(empty_db):
    cur = empty_db.cursor()
    assert fetch_value(cur, "SELECT value FROM app_meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
    assert fetch_value(cur, "SELECT count(*) FROM carriers") > 0


def test_a_database_newer_than_the_code_is_refused_in_one_sentence(schema1_path):
    con = duckdb.connect(str(schema1_path))
    con.execute("UPDATE app_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(DatabaseError) as err:
        Database(str(schema1_path))
    message = str(err.value)
    assert "newer version of the orders module" in message and "\n" not in message


def test_a_registered_migration_runs_once_in_its_transaction(schema1_path, monkeypatch):
    calls = []

    def add_table(con):
        calls.append(1)
        con.execute("CREATE TABLE later_thing (id INTEGER PRIMARY KEY)")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(SCHEMA_VERSION + 1, "later", add_table)])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr("orders_core.storage.ownership.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    ours = known_tables() | {"later_thing"}  # the later migration's table is ours too
    monkeypatch.setattr("orders_core.storage.ownership.known_tables", lambda: ours)
    Database(str(schema1_path)).close()
    db = Database(str(schema1_path))
    assert calls == [1]
    assert fetch_value(db.cursor(), "SELECT value FROM app_meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION + 1)
    db.close()


def test_a_failing_migration_changes_nothing_and_says_why(schema1_path, monkeypatch):
    def broken(con):
        con.execute("CREATE TABLE half_done (id INTEGER)")
        raise duckdb.ConstraintException("Constraint Error: something in the old data")

    ours = known_tables()  # as the code knows them now (not built by running the broken migration)
    monkeypatch.setattr("orders_core.storage.ownership.known_tables", lambda: ours)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(SCHEMA_VERSION + 1, "broken", broken)])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr("orders_core.storage.ownership.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(DatabaseError, match=f"could not be upgraded from schema {SCHEMA_VERSION} to "
                                            f"{SCHEMA_VERSION + 1} \\(broken\\).*nothing was changed"):
        Database(str(schema1_path))
    con = duckdb.connect(str(schema1_path), read_only=True)
    assert fetch_value(con, "SELECT value FROM app_meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
    assert fetch_value(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half_done'") == 0
    con.close()
