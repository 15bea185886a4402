"""What a CSR reads on the Clients, Client Profile, Order Profile, Products and Staff pages and the picking
panel is the same on PostgreSQL as on DuckDB, and the archive and registration guards hold across servers.

``duckdb_db`` and ``pg_demo_db`` hold the same 2,000-order demo (``conftest._copy_demo``), so every
listing, total and period must match row for row. The races use two app servers' databases (each its own
pool, as two processes) on one PostgreSQL database, a barrier forcing both writers to read before either
writes (without the row lock ``archive`` takes, both servers archived every Shipped order, twice the events).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from orders_core.catalogue import products as catalogue
from orders_core.clients import prescriptions, registration
from orders_core.clients.records import (
    ClientQuery,
    get_client,
    list_clients,
    period_orders,
    prescription_periods,
)
from orders_core.fulfillment import picking
from orders_core.orders import archive, coverage
from orders_core.orders.detail import get_order
from orders_core.rules.fields import RecordRefused
from orders_core.staff import members as staff
from orders_core.storage.database import open_database
from orders_core.storage.reads import fetch_value
from tests.conftest import ANCHOR
from tests.people import MANAGER_PERSON, acting
from tests.races import meet, race

pytestmark = pytest.mark.postgresql


def _plain(value):
    """A cell as a plain value: the engines' drivers give NULL as None, NaN or NaT, times as pandas or Python."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, Decimal):  # numpy scalars
        return value.item()
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


@pytest.fixture
def both(duckdb_db, pg_demo_db):
    return duckdb_db.cursor(), pg_demo_db.cursor()


@pytest.mark.parametrize("query", [
    ClientQuery(page_size=50),
    ClientQuery(page=3, page_size=25),
    ClientQuery(search="cote", page_size=200),
    ClientQuery(search="Tremblay", page_size=200),
    ClientQuery(search="1010", page_size=200),
    ClientQuery(search="example.ca", page_size=30, page=2),
    ClientQuery(registration=("Pending Verification", "Expired"), page_size=200),
])
def test_the_clients_page_lists_the_same_clients_and_open_orders(both, query):
    duck, pg = both
    on_duck, on_pg = list_clients(duck, query, MANAGER_PERSON), list_clients(pg, query, MANAGER_PERSON)
    assert on_pg.total == on_duck.total > 0
    assert records(on_pg.rows) == records(on_duck.rows)
    assert len(on_pg.rows) == min(query.page_size, on_pg.total - (query.page - 1) * query.page_size)


def test_an_accented_search_finds_the_same_clients_as_the_plain_one(pg_demo_db):
    cur = pg_demo_db.cursor()
    name = fetch_value(cur, "SELECT name FROM clients WHERE name <> unaccent(name) ORDER BY client_id LIMIT 1")
    plain = fetch_value(cur, "SELECT unaccent(name) FROM clients WHERE name = ?", [name])
    accented = list_clients(cur, ClientQuery(search=name.upper(), page_size=200), MANAGER_PERSON).rows
    assert name in set(accented["Name"])
    assert records(list_clients(cur, ClientQuery(search=plain, page_size=200), MANAGER_PERSON).rows) == records(accented)


def test_a_client_profile_reads_the_same_record_periods_documents_and_history(both):
    duck, pg = both
    ids = [r[0] for r in duck.execute("SELECT client_id FROM clients ORDER BY client_id").fetchall()][::9]
    assert len(ids) > 10
    seen_used = Decimal("0")
    for client_id in ids:
        on_duck, on_pg = get_client(duck, client_id, MANAGER_PERSON), get_client(pg, client_id, MANAGER_PERSON)
        assert on_pg == on_duck
        periods = prescription_periods(pg, on_pg, ANCHOR, MANAGER_PERSON)
        assert periods == prescription_periods(duck, on_duck, ANCHOR, MANAGER_PERSON)
        seen_used += sum((p.used for p in periods), Decimal("0"))
        for p in periods[:2]:
            assert records(period_orders(pg, p.orders, MANAGER_PERSON)) == records(period_orders(duck, p.orders, MANAGER_PERSON))
        for read in (prescriptions.documents, registration.client_record, registration.client_history):
            assert read(pg, client_id, MANAGER_PERSON) == read(duck, client_id, MANAGER_PERSON)
        assert prescriptions.renewal_defaults(pg, client_id, MANAGER_PERSON) == \
            prescriptions.renewal_defaults(duck, client_id, MANAGER_PERSON)
    assert seen_used > 0, "the sample holds periods with grams used"


def test_an_order_profile_reads_the_same_money_lines_events_and_coverage(both):
    duck, pg = both
    ids = [r[0] for r in duck.execute(
        "SELECT order_id FROM orders WHERE order_id % 37 = 0 OR coverage_amount > 0 AND order_id % 11 = 0 "
        "ORDER BY order_id").fetchall()]
    assert len(ids) > 50
    covered = 0
    for order_id in ids:
        on_duck, on_pg = get_order(duck, order_id, MANAGER_PERSON), get_order(pg, order_id, MANAGER_PERSON)
        assert on_pg.money_rows() == on_duck.money_rows()
        assert on_pg.purchase_record() == on_duck.purchase_record()
        assert (on_pg.status, on_pg.actions, on_pg.grams, on_pg.archived_at) == \
            (on_duck.status, on_duck.actions, on_duck.grams, on_duck.archived_at)
        assert records(on_pg.lines) == records(on_duck.lines)
        assert records(on_pg.events) == records(on_duck.events)
        assert on_pg.payments == on_duck.payments
        covered += any(p.amount > 0 for p in on_pg.payments)
    assert covered > 5
    assert coverage.coverage_by_order(pg, ids) == coverage.coverage_by_order(duck, ids)


def test_products_staff_and_the_picking_preview_read_the_same(both):
    duck, pg = both
    assert catalogue.list_products(pg) == catalogue.list_products(duck)
    assert staff.list_staff(pg) == staff.list_staff(duck)
    assert staff.history(pg) == staff.history(duck)
    preview = picking.picking_preview(pg)
    assert preview == picking.picking_preview(duck)
    assert preview.orders == fetch_value(pg, "SELECT count(*) FROM orders WHERE status = 'Order Placed' "
                                             "AND archived_at IS NULL") > 0


def test_a_kept_picking_list_on_postgresql_holds_every_line_and_reprints_the_same(pg_demo_db):
    cur = pg_demo_db.cursor()
    expected = picking.picking_preview(cur)
    made = picking.generate_picking_list(pg_demo_db, actor=acting("Zoë Tremblay"))
    assert len(made.order_ids) == expected.orders
    lines, units = cur.execute("SELECT count(*), sum(units) FROM picking_list_lines WHERE picking_list_id = ?",
                               [made.number]).fetchall()[0]
    assert (lines, units) == (expected.lines, expected.units)
    [kept] = picking.recent_picking_lists(cur)
    assert (kept.number, kept.orders) == (made.number, expected.orders)
    assert picking.picking_list_pdf(pg_demo_db, made.number) == made.pdf
    assert picking.picking_preview(cur, made.order_ids, made_list=made.number).already_listed == 0
    assert picking.picking_preview(cur, made.order_ids).already_listed == expected.orders


@pytest.fixture
def servers(pg_demo_db):
    """Two app servers' databases on the test's PostgreSQL database."""
    first, second = open_database(pg_demo_db.url, create=False), open_database(pg_demo_db.url, create=False)
    yield first, second
    first.close()
    second.close()


def test_two_servers_archiving_shipped_at_once_archive_each_order_once(pg_demo_db, servers, monkeypatch):
    cur = pg_demo_db.cursor()
    shipped = archive.count_archivable(cur, "Shipped")
    assert shipped > 0
    events_before = fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind = 'archived'")
    meet(monkeypatch, archive, "_select_targets")  # both transactions have begun when either selects its orders
    a, b = race(lambda: archive.archive_status(servers[0], "Shipped", acting("Isabelle Roy"), expected=shipped),
                lambda: archive.archive_status(servers[1], "Shipped", acting("Marc Tremblay"), expected=shipped))
    assert not isinstance(a, Exception) and not isinstance(b, Exception), (a, b)
    assert sorted([a.count, b.count]) == [0, shipped]
    late = a if a.count == 0 else b
    assert late.earlier_by is not None and late.earlier_count == shipped
    assert "archived a moment ago" in late.sentence(shipped)
    assert archive.count_archivable(cur, "Shipped") == 0
    assert fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind = 'archived'") == events_before + shipped
    winner = b if a.count == 0 else a
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE archive_batch = ?", [winner.batch]) == shipped


def test_two_servers_registering_one_previous_system_number_at_once_register_it_once(
        pg_demo_db, servers, monkeypatch):
    meet(monkeypatch, registration, "_key_owner", after=True)  # both have read who holds the number
    raw = {"name": "Éloïse Tremblay", "date_of_birth": "1968-04-21", "email": "eloise@example.ca",
           "address_line1": "4120 rue Saint-Denis", "city": "Montréal", "province": "QC", "postal_code": "H2W 2M5",
           "registered_on": "2025-09-02", "previous_system_id": "OLD-77"}
    outcomes = race(lambda: registration.register_client(servers[0], raw, acting("Isabelle Roy"), today=ANCHOR),
                    lambda: registration.register_client(servers[1], {**raw, "name": "Other Person"},
                                                         acting("Marc Tremblay"), today=ANCHOR))
    saved = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, RecordRefused)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert f"OLD-77 already belongs to client {saved[0]}" in str(refused[0])
    cur = pg_demo_db.cursor()
    assert fetch_value(cur, "SELECT client_id FROM client_keys WHERE previous_system_id = 'OLD-77'") == saved[0]
    assert fetch_value(cur, "SELECT count(*) FROM clients WHERE name IN ('Éloïse Tremblay', 'Other Person') "
                            "AND created_at::DATE = current_date") == 1
    assert fetch_value(cur, "SELECT name_key FROM clients WHERE client_id = ?", [saved[0]]) in (
        "eloise tremblay", "other person")


def test_a_new_document_and_policy_on_postgresql_change_the_allowance_the_profile_shows(pg_demo_db):
    cur = pg_demo_db.cursor()
    client_id = registration.register_client(pg_demo_db, {
        "name": "Chloé Côté", "date_of_birth": "1980-01-31", "phone": "418 555 0100", "address_line1": "2 rue X",
        "city": "Québec", "province": "QC", "postal_code": "G1R 4P5", "registered_on": "2025-10-01"},
        acting("Isabelle Roy"), today=ANCHOR)
    assert list_clients(cur, ClientQuery(search="chloe cote"), MANAGER_PERSON).rows["Client ID"].tolist() == [client_id]
    today = dt.date.today()
    prescriptions.add_document(pg_demo_db, client_id, {
        "grams_per_day": "2,5", "valid_from": today - dt.timedelta(days=31), "valid_until": today + dt.timedelta(days=200),
        "prescriber": "Dre Gagnon", "practitioner_licence": "CMQ 12345"}, acting("Isabelle Roy"))
    client = get_client(cur, client_id, MANAGER_PERSON)
    periods = prescription_periods(cur, client, today, MANAGER_PERSON)
    assert [(p.number, p.allowance, p.used) for p in periods] == [(2, Decimal("75.00"), 0), (1, Decimal("75.00"), 0)]
    row = list_clients(cur, ClientQuery(search=str(client_id)), MANAGER_PERSON).rows.iloc[0]
    assert (row["Grams/day"], row["Valid Until"], row["Open Orders"]) == (
        Decimal("2.50"), today + dt.timedelta(days=200), 0)


def test_the_profiles_lookups_have_indexes_on_postgresql(pg_demo_db):
    """One client's or one order's rows are found by an index, not by reading the whole table (the Clients
    page counts each listed client's open orders; the Order Profile reads the order's events)."""
    cur = pg_demo_db.cursor()
    cur.execute("SET enable_seqscan = off")  # 2,000 orders are cheaper to scan: ask whether the index serves
    try:
        for sql, index in (
            ("SELECT count(*) FROM orders o WHERE o.client_id = ? AND o.archived_at IS NULL",
             "client_created"),  # orders_client_created, or the index's partial orders_open_client_created (migration 6)
            ("SELECT * FROM order_events WHERE order_id = ? ORDER BY event_at, event_id", "order_events_order"),
            ("SELECT order_id FROM orders WHERE status = ? AND archived_at IS NULL ORDER BY order_id",
             "orders_unarchived_status"),
            ("SELECT * FROM client_events WHERE client_id = ?", "client_events_client"),
            ("SELECT * FROM prescriptions WHERE client_id = ? AND active", "prescriptions_client"),
            ("SELECT * FROM coverage_policies WHERE client_id = ? AND active", "coverage_policies_client"),
            ("SELECT count(DISTINCT order_id) FROM picking_list_lines WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
             "picking_list_lines_order"),
        ):
            param = [100500, 100501] if "unnest" in sql else "Order Placed" if "status" in sql else 1010
            plan = "\n".join(r[0] for r in cur.execute(f"EXPLAIN {sql}", [param]).fetchall())
            assert index in plan, plan
    finally:
        cur.execute("RESET enable_seqscan")


def test_the_picking_list_command_writes_and_reprints_a_list_on_postgresql(pg_demo_db, tmp_path, capsys):
    from orders_core.cli.main import main as cli_main
    from tests.unit.fulfillment.test_picking import pages_text

    placed = fetch_value(pg_demo_db.cursor(), "SELECT count(*) FROM orders WHERE status = 'Order Placed' "
                                              "AND archived_at IS NULL")
    out, again = tmp_path / "list.pdf", tmp_path / "again.pdf"
    assert cli_main(["picking-list", "-o", str(out), "--db", pg_demo_db.url, "--as", "fulfillment@demo.example"]) == 0
    assert f"Picking list 1 ({placed:,} orders) written to {out}." in capsys.readouterr().out
    assert "by Zoë Tremblay (fulfillment@demo.example)" in pages_text(out.read_bytes())[0]
    assert cli_main(["picking-list", "--number", "1", "-o", str(again), "--db", pg_demo_db.url,
                     "--as", "fulfillment@demo.example"]) == 0
    assert again.read_bytes() == out.read_bytes()
    assert fetch_value(pg_demo_db.cursor(), "SELECT count(*) FROM order_events WHERE kind = 'picking_list'") == placed
    assert cli_main(["picking-list", "-o", str(tmp_path / "x.pdf"), "--db", pg_demo_db.url,
                     "--as", "admin@demo.example"]) == 2
    assert "An Administrator may not make picking lists." in capsys.readouterr().err
    assert fetch_value(pg_demo_db.cursor(), "SELECT count(*) FROM picking_lists") == 1
