"""A schema that refuses bad rows: keys, foreign keys and CHECK constraints on every table."""

from __future__ import annotations

import duckdb
import pytest

from orders_core.storage.reads import fetch_value
from orders_core.storage.schema import TABLES

GOOD = [
    "INSERT INTO clients VALUES (1, 'A B', 'a b', DATE '1970-01-01', NULL, NULL, '1 Main St', NULL, 'Ottawa', "
    "'ON', 'K1P 1A1', 'Approved', DATE '2020-01-01', TIMESTAMP '2020-01-01')",
    "INSERT INTO products VALUES ('P1', 'Flower', 'Brand', 'Dried flower', TRUE, 3.5, 'g', 3.5, 30.00, 'L1', 'A-1', TRUE)",
    "INSERT INTO coverage_policies VALUES (1, 1, 'Blue Cross', 0.8, 300, NULL, DATE '2020-01-01', NULL, TRUE)",
    "INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal, total_due, grams, "
    "updated_at) VALUES (100001, 1, 'CSR', 'x', TIMESTAMP '2026-01-01', 'Open', 30, 30, 3.5, TIMESTAMP '2026-01-01')",
    "INSERT INTO order_lines VALUES (100001, 1, 'P1', 1, 30.00, 0)",
    "INSERT INTO recurring_orders (recurring_order_id, client_id, enabled, created_by, created_at, updated_at) "
    "VALUES (1, 1, TRUE, 'x', TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01')",
]


@pytest.fixture
def scur(empty_db):
    cur = empty_db.cursor()
    for sql in GOOD:
        cur.execute(sql)
    return cur


@pytest.mark.parametrize("sql", [
    # keys
    "INSERT INTO order_lines VALUES (100001, 1, 'P1', 2, 30.00, 0)",
    "INSERT INTO order_events VALUES (1, 100001, now(), 'x', 'created', '', NULL), (1, 100001, now(), 'x', 'edited', '', NULL)",
    "INSERT INTO order_coverage VALUES (100001, 1, 'Blue Cross', 1, 0, ''), (100001, 1, 'Blue Cross', 2, 0, '')",
    "INSERT INTO recurring_order_lines VALUES (1, 1, 'P1', 1), (1, 1, 'P1', 2)",
    # foreign keys
    "INSERT INTO order_lines VALUES (999999, 1, 'P1', 1, 30.00, 0)",
    "INSERT INTO order_lines VALUES (100001, 2, 'NO-SUCH-SKU', 1, 30.00, 0)",
    "INSERT INTO order_events VALUES (5, 999999, now(), 'x', 'created', '', NULL)",
    "INSERT INTO order_coverage VALUES (100001, 99, 'Nobody', 1, 0, '')",
    "INSERT INTO prescriptions VALUES (1, 999, 2, DATE '2026-01-01', DATE '2026-12-31', 'Dr', TRUE)",
    # checks
    "INSERT INTO order_lines VALUES (100001, 2, 'P1', 0, 30.00, 0)",
    "INSERT INTO order_lines VALUES (100001, 2, 'P1', 1, -1.00, 0)",
    "INSERT INTO order_lines VALUES (100001, 2, 'P1', 1, 10.00, 11.00)",
    "UPDATE orders SET total_due = -0.01",
    "UPDATE orders SET grams = -1",
    "UPDATE orders SET coverage_amount = -5",
    "INSERT INTO coverage_policies VALUES (2, 1, 'X', 1.5, NULL, NULL, DATE '2020-01-01', NULL, TRUE)",
    "INSERT INTO coverage_policies VALUES (2, 1, 'X', 0.5, NULL, NULL, DATE '2020-01-01', DATE '2019-01-01', TRUE)",
    "INSERT INTO prescriptions VALUES (1, 1, 2, DATE '2026-01-01', DATE '2025-12-31', 'Dr', TRUE)",
    "INSERT INTO prescriptions VALUES (1, 1, -2, DATE '2026-01-01', DATE '2026-12-31', 'Dr', TRUE)",
    "UPDATE products SET unit_price = -1",
    "UPDATE products SET dried_equiv_grams = -1",
    "INSERT INTO order_coverage VALUES (100001, 1, 'Blue Cross', -1, 0, '')",
    "INSERT INTO recurring_order_lines VALUES (1, 1, 'P1', -1)",
])
def test_a_bad_row_is_refused_and_nothing_changes(scur, sql):
    before = {t: fetch_value(scur, f"SELECT count(*) FROM {t}") for t in TABLES}
    with pytest.raises(duckdb.ConstraintException):
        scur.execute(sql)
    assert {t: fetch_value(scur, f"SELECT count(*) FROM {t}") for t in TABLES} == before


def test_every_table_has_a_primary_key(empty_db):
    keyed = {r[0] for r in empty_db.cursor().execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    assert set(TABLES) <= keyed


def test_an_order_keeps_taking_updates_while_its_lines_reference_it(scur):
    scur.execute("UPDATE orders SET status = 'Order Placed', carrier = 'UPS', version = version + 1")
    scur.execute("UPDATE recurring_orders SET carrier = 'UPS', last_generated_order_id = 100001")
    assert fetch_value(scur, "SELECT carrier FROM orders") == "UPS"
