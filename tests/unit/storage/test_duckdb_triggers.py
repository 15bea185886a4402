"""Why DuckDB keeps no counts by triggers, as PostgreSQL does (``storage.order_summaries``).

DuckDB 2.0 has statement triggers with transition tables, and one kept the Orders index's counts exactly in a
trial. But while any UPDATE trigger is on a table that another table references (``orders``: its lines, events,
returns), DuckDB 2.0.1 runs every UPDATE of that table as a delete and an insert, and the delete fails the
foreign key check: no order with lines could be shipped or archived (duckdb/duckdb#20246 and #25654; the fixes,
pull requests #22937 and #25943, were not released). These tests pin that, on tables of their own: when a DuckDB
release fixes it, the first fails, and the summaries' triggers can be made on DuckDB too.
"""

from __future__ import annotations

import duckdb
import pytest

COUNT = ("CREATE TRIGGER kept_{kind} AFTER {kind} ON parent REFERENCING {table} TABLE AS changed FOR EACH STATEMENT "
         "INSERT INTO counts SELECT count(*) FROM changed")


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, status VARCHAR NOT NULL)")
    con.execute("CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id))")
    con.execute("CREATE TABLE counts (n BIGINT)")
    con.execute("INSERT INTO parent VALUES (1, 'Open'), (2, 'Open')")
    con.execute("INSERT INTO child VALUES (1)")
    yield con
    con.close()


def test_an_update_trigger_refuses_every_update_of_a_referenced_row(con):
    con.execute("UPDATE parent SET status = 'Shipped' WHERE id = 1")  # without a trigger: fine
    con.execute(COUNT.format(kind="UPDATE", table="NEW"))
    with pytest.raises(duckdb.ConstraintException, match="still referenced by a foreign key"):
        con.execute("UPDATE parent SET status = 'Cancelled' WHERE id = 1")
    con.execute("UPDATE parent SET status = 'Cancelled' WHERE id = 2")  # a row nothing references
    assert con.execute("SELECT status FROM parent ORDER BY id").fetchall() == [("Shipped",), ("Cancelled",)]
    assert con.execute("SELECT n FROM counts").fetchall() == [(1,)]


def test_insert_and_delete_triggers_work_on_a_referenced_table(con):
    con.execute(COUNT.format(kind="INSERT", table="NEW"))
    con.execute(COUNT.format(kind="DELETE", table="OLD"))
    con.execute("INSERT INTO parent VALUES (3, 'Open'), (4, 'Open')")
    con.execute("DELETE FROM parent WHERE id >= 3")
    assert con.execute("SELECT n FROM counts").fetchall() == [(2,), (2,)]
