"""Migration 11 (returns): a database of schema 10, as the module wrote it before returns, upgrades without loss."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orders_core.reports import rollup as metrics_rollup
from orders_core.reports.check import check
from orders_core.returns.recording import record_return
from orders_core.returns.refunds import refund_return
from orders_core.storage.database import Database
from orders_core.storage.migrations import SCHEMA_VERSION
from orders_core.storage.reads import fetch_value
from tests.old_schemas import unpacked
from tests.unit.returns.helpers import CSR_PERSON

DERIVED = {r.table for r in metrics_rollup.ROLLUPS}  # derived from the orders, not records



@pytest.fixture
def schema10_path(tmp_path: Path) -> Path:
    return unpacked(10, tmp_path)


def _tables(con) -> dict[str, list]:
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
    snap = {}
    for name in names:
        columns = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                             "ORDER BY column_index", [name]).fetchall()]
        listed = ", ".join(f'"{c}"' for c in columns)
        snap[name] = (columns, sorted(con.execute(f'SELECT {listed} FROM "{name}"').fetchall(), key=repr))
    return snap


def test_a_schema_10_database_upgrades_without_loss_and_takes_returns(schema10_path):
    con = duckdb.connect(str(schema10_path))
    assert fetch_value(con, "SELECT value FROM app_meta WHERE key = 'schema_version'") == "10"
    before = _tables(con)
    con.close()

    db = Database(str(schema10_path))
    cur = db.cursor()
    assert fetch_value(cur, "SELECT value FROM app_meta WHERE key = 'schema_version'") == str(SCHEMA_VERSION)
    after = _tables(cur)
    for name, (columns, rows) in before.items():
        if name in ("app_meta", "schema_migrations"):
            continue  # the record of the schema itself moves on
        if name in DERIVED:
            continue  # the Metrics summaries are written again by their next refresh (schema 14), checked below
        listed = ", ".join(f'"{c}"' for c in columns)
        kept = sorted(cur.execute(f'SELECT {listed} FROM "{name}"').fetchall(), key=repr)
        assert kept == rows, name
        assert set(columns) <= set(after[name][0])
    assert metrics_rollup.refresh(cur) > 0 and metrics_rollup.stale_days(cur) == []
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE replaces_return_id IS NOT NULL") == 0
    assert not check(cur)

    order_id, sku, units = cur.execute(
        "SELECT o.order_id, l.sku, l.units FROM orders o JOIN order_lines l USING (order_id) "
        "WHERE o.status = 'Delivered' AND o.coverage_amount > 0 ORDER BY o.order_id LIMIT 1").fetchall()[0]
    back = record_return(db, order_id, CSR_PERSON, units={sku: units}, reason="Client request")
    refund_return(db, back.return_id, CSR_PERSON, method="Cheque", reference="CHQ-1")
    assert not check(db.cursor())
    db.close()
