"""`orders-core check`: every breach listed in plain words; demo data of any size is clean.

The breaches, the edit that changes nothing and the command run on both engines (``engine_demo_db``:
the DuckDB demo copy, and on PostgreSQL the same demo copied row by row, ``conftest._copy_demo``);
generating demos of other sizes is DuckDB's (``orders_core.demo.generate``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.cli.main import main as cli_main
from orders_core.demo.generate import generate
from orders_core.orders.lifecycle import edit_order, stored_draft
from orders_core.reports.check import check
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_value
from tests.people import acting

ANCHOR = dt.date(2026, 11, 26)


@pytest.mark.parametrize("orders", [500, 5000])
def test_a_demo_of_any_size_is_clean(tmp_path, orders):
    db = Database(str(tmp_path / "demo.duckdb"))
    generate(db.con, orders, seed=orders, anchor=ANCHOR)
    cur = db.cursor()
    assert check(cur) == []
    # the things a review of the database saw, asked directly
    assert fetch_value(cur, """
        SELECT count(*) FROM orders o WHERE coverage_amount > 0 AND NOT EXISTS (
            SELECT 1 FROM coverage_policies p WHERE p.client_id = o.client_id
              AND o.created_at::DATE >= p.valid_from)""") == 0
    assert fetch_value(cur, """
        SELECT count(*) FROM orders o
        WHERE o.created_at::DATE < (SELECT min(valid_from) FROM prescriptions p WHERE p.client_id = o.client_id)""") == 0
    assert fetch_value(cur, """
        SELECT count(*) FROM orders o JOIN recurring_orders r USING (recurring_order_id)
        WHERE o.created_at < r.created_at
           OR EXISTS (SELECT sku FROM order_lines l WHERE l.order_id = o.order_id
                      EXCEPT SELECT sku FROM recurring_order_lines t
                      WHERE t.recurring_order_id = r.recurring_order_id AND t.units > 0)""") == 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE source = 'Recurring'") > 0
    db.close()


@pytest.fixture
def any_db(engine_demo_db):
    return engine_demo_db


def test_an_edit_that_changes_nothing_changes_nothing_owed(any_db):
    db, cur = any_db, any_db.cursor()
    rows = cur.execute("""
        SELECT o.order_id, o.total_due, o.coverage_amount FROM orders o JOIN clients c USING (client_id)
        WHERE o.status = 'Open' AND o.source <> 'Recurring' AND o.archived_at IS NULL
          AND c.registration_status = 'Approved'
        ORDER BY o.coverage_amount DESC, o.order_id LIMIT 10""").fetchall()
    assert rows and rows[0][2] > 0  # covered orders among them
    for order_id, total_due, coverage in rows:
        draft = stored_draft(cur, order_id)
        edit_order(db, order_id, acting("Isabelle Roy"), lines=draft.lines, order_discount=draft.order_discount,
                   carrier=draft.carrier, shipping_charge=draft.shipping_charge, today=ANCHOR)
        after = cur.execute("SELECT total_due, coverage_amount FROM orders WHERE order_id = ?", [order_id]).fetchall()
        assert after == [(total_due, coverage)], order_id


BREACHES = [
    ("UPDATE orders SET total_due = total_due + 1, version = version + 1 WHERE order_id = 100001",
     "Order 100001: Total Due is $"),
    ("UPDATE orders SET grams = coalesce(grams, 0) + 1, version = version + 1 WHERE order_id = 100002",
     "Order 100002: it holds "),
    ("UPDATE order_coverage SET amount = amount + 1 WHERE order_id = (SELECT min(order_id) FROM order_coverage)",
     "but its policies paid $"),
    ("UPDATE orders SET archived_at = now(), version = version + 1 WHERE order_id = (SELECT min(order_id) FROM orders WHERE archived_at IS NULL)",
     'is archived but its history has no "archived" event'),
    ("UPDATE order_events SET kind = 'note' WHERE order_id = 100003 AND kind = 'created'",
     'Order 100003 has no "created" event.'),
    ("UPDATE recurring_order_lines SET units = 0 WHERE recurring_order_id = (SELECT min(recurring_order_id) "
     "FROM recurring_orders)", "has no lines."),
    ("UPDATE prescriptions SET grams_per_day = 0.01", "g it allows (orders "),
    ("UPDATE orders SET carrier = 'Pigeon', version = version + 1 WHERE order_id = 100004", "Order 100004's carrier 'Pigeon' is not one of ours."),
]


@pytest.mark.breaches_on_purpose
@pytest.mark.parametrize(("sql", "sentence"), BREACHES)
def test_each_breach_is_listed_in_plain_words(any_db, sql, sentence):
    cur = any_db.cursor()
    assert check(cur) == []
    cur.execute(sql)
    found = [b.sentence for b in check(cur)]
    assert any(sentence in s for s in found), found


@pytest.mark.breaches_on_purpose
def test_the_command_exits_0_only_when_clean(db, db_path, capsys):
    db.close()
    assert cli_main(["check", "--db", str(db_path), "--as", "admin@demo.example"]) == 0
    assert "no breach found" in capsys.readouterr().out
    again = Database(str(db_path))
    again.cursor().execute("UPDATE orders SET total_due = total_due + 1, version = version + 1 WHERE order_id IN (100001, 100002)")
    again.close()
    assert cli_main(["check", "--db", str(db_path), "--as", "admin@demo.example"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Order 100001: Total Due is $") and out[1].startswith("Order 100002: ")
    assert out[-1].endswith("2 breaches found.")
    db.con = Database(str(db_path)).con  # the fixture closes it again


@pytest.mark.breaches_on_purpose
def test_without_as_the_command_names_only_the_records(db, db_path, capsys):
    """No --as: the same verdict and exit code, each breach by its kind and record number, no client's name."""
    name = db.cursor().execute("SELECT c.name FROM orders o JOIN clients c USING (client_id) "
                               "WHERE o.order_id = 100001").fetchall()[0][0]
    db.close()
    assert cli_main(["check", "--db", str(db_path)]) == 0
    assert "no breach found" in capsys.readouterr().out
    again = Database(str(db_path))
    again.cursor().execute("UPDATE orders SET total_due = total_due + 1, version = version + 1 WHERE order_id = 100001")
    again.close()
    assert cli_main(["check", "--db", str(db_path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith(": order 100001")
    assert name not in out and "$" not in out
    assert "1 breach found. Run it --as a staff member" in out
    assert cli_main(["check", "--db", str(db_path), "--as", "fulfillment@demo.example"]) == 2  # may not read them
    assert "may not" in capsys.readouterr().err
    db.con = Database(str(db_path)).con  # the fixture closes it again


@pytest.mark.postgresql
@pytest.mark.breaches_on_purpose
def test_the_command_checks_a_postgresql_database(pg_demo_db, capsys):
    url = pg_demo_db.url
    assert cli_main(["check", "--db", url, "--as", "admin@demo.example"]) == 0
    assert "no breach found" in capsys.readouterr().out
    pg_demo_db.cursor().execute("UPDATE orders SET total_due = total_due + 1, version = version + 1 WHERE order_id IN (100001, 100002)")
    assert cli_main(["check", "--db", url, "--as", "admin@demo.example"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Order 100001: Total Due is $") and out[1].startswith("Order 100002: ")
    assert out[-1] == f"{pg_demo_db.path}: 2 breaches found."
