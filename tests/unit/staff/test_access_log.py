"""The access log: one row per client profile, order and report opened and per export, read by administrators
only (the core, `orders-core audit`, the Access Log page); `orders-core export orders`; nothing in the log
changes. The tests with a database run on both engines (DuckDB and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from orders_core.cli.main import main
from orders_core.clients.records import get_client
from orders_core.orders.access import export_csv_for, list_orders_for
from orders_core.orders.detail import get_order
from orders_core.orders.index import OrderQuery
from orders_core.reports.metrics import MetricsFilter
from orders_core.reports.report_access import metrics_for
from orders_core.rules.roles import NotAllowed, Person
from orders_core.staff import access_log
from orders_core.staff.members import DEMO_STAFF
from orders_core.storage import dialect
from orders_core.storage.database import open_database
from orders_core.storage.reads import fetch_value
from tests.conftest import ENGINES

CSR, FULFILLMENT, MANAGER, ADMIN = DEMO_STAFF


@pytest.fixture(params=ENGINES)
def target(request) -> str:
    """What ``--db`` names on each engine: the demo copy's file, or the PostgreSQL demo's URL."""
    if request.param == "duckdb":
        return str(request.getfixturevalue("db_path"))
    return request.getfixturevalue("pg_demo_db").url


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def log_rows(cur) -> list[tuple]:
    return cur.execute("SELECT actor_email, role, kind, client_id, order_id, what, filters, row_count "
                       "FROM access_log ORDER BY access_id").fetchall()


def _some(cur, sql: str, n: int) -> list[int]:
    return [r[0] for r in cur.execute(sql + f" LIMIT {n}").fetchall()]


def csr_session(target: str) -> dict:
    """A CSR opens 3 client profiles (one of them twice, as a page redraw does) and 2 orders, and tries
    an export (refused: the role table denies it); then an Operations Manager exports the Shipped orders."""
    db = open_database(target, create=False)
    try:
        cur = db.cursor()
        clients = _some(cur, "SELECT client_id FROM clients ORDER BY client_id", 3)
        orders = _some(cur, "SELECT order_id FROM orders WHERE archived_at IS NULL ORDER BY order_id DESC", 2)
        for cid in clients:
            assert get_client(cur, cid, CSR).client_id == cid
        assert get_client(cur, clients[0], CSR) is not None           # the same opening: no second row
        assert get_client(cur, 999_999, CSR) is None                   # nothing read, nothing recorded
        for oid in orders:
            assert get_order(cur, oid, CSR).order_id == oid
        with pytest.raises(NotAllowed, match="A CSR may not export orders as CSV."):
            export_csv_for(cur, OrderQuery(), CSR)
        shipped = OrderQuery(statuses=("Shipped",), created_from=dt.date(2026, 1, 1))
        data = export_csv_for(cur, shipped, MANAGER)
        return {"clients": clients, "orders": orders, "data": data, "rows": log_rows(cur),
                "shipped": list_orders_for(cur, shipped, MANAGER).total,
                "order_clients": [fetch_value(cur, "SELECT client_id FROM orders WHERE order_id = ?", [o])
                                  for o in orders]}
    finally:
        db.close()


def test_a_csr_session_leaves_one_row_per_opening_and_per_export(target):
    s = csr_session(target)
    exported = pd.read_csv(io.BytesIO(s["data"]), encoding="utf-8-sig")
    assert len(exported) == s["shipped"] > 0
    assert s["rows"] == [
        *[(CSR.email, "CSR", "client profile", cid, None, None, None, None) for cid in s["clients"]],
        *[(CSR.email, "CSR", "order", cid, oid, None, None, None)
          for oid, cid in zip(s["orders"], s["order_clients"], strict=True)],
        (MANAGER.email, "Operations Manager", "export", None, None, "Orders CSV",
         "view All; status Shipped; created 2026-01-01 to …", len(exported)),
    ]


def test_orders_core_audit_prints_them_for_an_administrator_only(target, capsys):
    s = csr_session(target)
    code, out, err = run_cli(capsys, "audit", "--db", target, "--as", ADMIN.email)
    lines = out.splitlines()
    assert (code, err, lines[-1]) == (0, "", "6 rows of the access log.")
    assert [line.split("\t")[1:] for line in lines[:-1]] == [
        [f"{MANAGER.name} ({MANAGER.email})", "Operations Manager",
         f"export Orders CSV, {s['shipped']:,} rows: view All; status Shipped; created 2026-01-01 to …"],
        *[[f"{CSR.name} ({CSR.email})", "CSR", f"order {oid} (client {cid})"]
          for oid, cid in reversed(list(zip(s["orders"], s["order_clients"], strict=True)))],
        *[[f"{CSR.name} ({CSR.email})", "CSR", f"client {cid}'s profile"] for cid in reversed(s["clients"])],
    ]
    today = dt.date.today().isoformat()
    assert all(line.startswith(today) for line in lines[:-1])

    cid = s["clients"][1]
    code, out, _ = run_cli(capsys, "audit", "--client", str(cid), "--db", target, "--as", ADMIN.email)
    opened = [line.split("\t")[3] for line in out.splitlines()[:-1]]
    assert code == 0 and opened == [*(f"order {oid} (client {cid})" for oid, c in
                                      reversed(list(zip(s["orders"], s["order_clients"], strict=True))) if c == cid),
                                    f"client {cid}'s profile"]
    code, out, _ = run_cli(capsys, "audit", "--person", "Manager@Demo.Example", "--since", today, "--db", target,
                           "--as", ADMIN.email)
    assert code == 0 and out.splitlines()[-1] == "1 row of the access log."
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert run_cli(capsys, "audit", "--since", tomorrow, "--db", target, "--as", ADMIN.email)[:2] == (
        0, "No row of the access log matches.\n")

    for who in (CSR, FULFILLMENT, MANAGER):
        code, out, err = run_cli(capsys, "audit", "--db", target, "--as", who.email)
        assert (code, out) == (2, "") and err.endswith(f"{who.role} may not read the access log.\n")
    assert run_cli(capsys, "audit", "--db", target)[0] == 2


def test_the_log_is_read_a_page_at_a_time_by_administrators_only(engine_demo_db):
    cur = engine_demo_db.cursor()
    clients = _some(cur, "SELECT client_id FROM clients ORDER BY client_id", 7)
    for cid in clients:
        get_client(cur, cid, MANAGER)
    first = access_log.read_log(cur, access_log.LogQuery(page_size=3), ADMIN)
    assert (first.total, first.pages, first.rows["Client ID"].tolist()) == (7, 3, clients[::-1][:3])
    last = access_log.read_log(cur, first.query.at_page(3), ADMIN)
    assert last.rows["Client ID"].tolist() == [clients[0]]
    assert access_log.read_log(cur, access_log.LogQuery(kinds=("export",)), ADMIN).total == 0
    with pytest.raises(access_log.InvalidLogQuery):
        access_log.read_log(cur, access_log.LogQuery(kinds=("everything",)), ADMIN)
    for who in (CSR, FULFILLMENT, MANAGER, Person("x@example.ca", "Nobody", "Administrator")):
        with pytest.raises(NotAllowed):
            access_log.read_log(cur, access_log.LogQuery(), who)


def test_the_metrics_report_is_recorded_with_its_filter(engine_demo_db):
    cur = engine_demo_db.cursor()
    today = dt.date(2026, 11, 26)
    week = MetricsFilter(today - dt.timedelta(days=6), today, sources=("CSR",))
    metrics_for(cur, week, today, MANAGER)
    metrics_for(cur, week, today, MANAGER, grain="week")  # the same opening
    with pytest.raises(NotAllowed, match="A CSR may not open the Metrics page."):
        metrics_for(cur, week, today, CSR)
    assert log_rows(cur) == [(MANAGER.email, "Operations Manager", "report", None, None, "Metrics",
                              "2026-11-20 to 2026-11-26; source CSR", None)]


def test_orders_core_export_writes_the_pages_file_and_records_it(target, tmp_path, capsys):
    out = tmp_path / "shipped.csv"
    code, said, err = run_cli(capsys, "export", "orders", "--status", "Shipped", "--status", "Delivered",
                              "--from", "2026-10-01", "--to", "2026-11-26", "--search", "a", "-o", str(out),
                              "--db", target, "--as", MANAGER.email)
    q = OrderQuery(search="a", statuses=("Shipped", "Delivered"), created_from=dt.date(2026, 10, 1),
                   created_to=dt.date(2026, 11, 26))
    db = open_database(target, create=False)
    try:
        cur = db.cursor()
        rows = log_rows(cur)  # before the test's own export below, which is recorded too
        expected, total = export_csv_for(cur, q, MANAGER), list_orders_for(cur, q, MANAGER).total
        kept = log_rows(cur)  # the command's row and this test's
    finally:
        db.close()
    assert (code, err) == (0, "")
    assert said == f"Exported {total:,} orders to {out} (for {MANAGER.name}; recorded in the access log).\n"
    assert out.read_bytes() == expected and total > 0
    assert rows == [(MANAGER.email, "Operations Manager", "export", None, None, "Orders CSV",
                     "view All; status Shipped, Delivered; created 2026-10-01 to 2026-11-26; search 'a'", total)]

    refused = tmp_path / "refused.csv"
    for who in (CSR, FULFILLMENT):
        code, said, err = run_cli(capsys, "export", "orders", "-o", str(refused), "--db", target, "--as", who.email)
        assert (code, said) == (2, "") and err.endswith(f"{who.role} may not export orders as CSV.\n")
    code, _, err = run_cli(capsys, "export", "orders", "-o", str(refused), "--db", target,
                           "--as", "nobody@example.ca")
    assert code == 2 and "not on the staff list" in err
    code, _, err = run_cli(capsys, "export", "orders", "-o", str(tmp_path / "nowhere" / "x.csv"), "--db", target,
                           "--as", MANAGER.email)
    assert (code, err) == (2, f"The folder {tmp_path / 'nowhere'} does not exist; create it first or choose "
                              "another one.\n")
    assert not refused.exists()
    db = open_database(target, create=False)
    try:
        assert log_rows(db.cursor()) == kept  # the refusals left no row
    finally:
        db.close()


def test_nothing_in_the_log_can_be_changed_on_postgresql(engine_demo_db):
    cur = engine_demo_db.cursor()
    get_client(cur, fetch_value(cur, "SELECT min(client_id) FROM clients"), CSR)
    if dialect.of(cur) is not dialect.POSTGRES:
        pytest.skip("DuckDB has no triggers: the app has no statement that changes the log (module docstring)")
    for sql in ("UPDATE access_log SET actor_email = 'someone@else'", "DELETE FROM access_log"):
        with pytest.raises(dialect.of(cur).error, match="append-only"):
            cur.execute(sql)
    assert fetch_value(cur, "SELECT count(*) FROM access_log") == 1
