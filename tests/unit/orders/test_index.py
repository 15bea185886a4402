"""The Orders index query: views, search, sort, filters, paging, and hostile input.

The tests with a database run on both engines (``engine_demo_db``): DuckDB's demo copy, and on
PostgreSQL the same 2,000-order demo copied row by row from the DuckDB template (``conftest._copy_demo``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from orders_core.orders.access import export_csv_for, list_orders_for
from orders_core.orders.index import InvalidQuery, OrderQuery, _list_orders
from orders_core.reports.check import recount_summaries
from orders_core.storage.reads import fetch_frame, fetch_value
from tests.people import MANAGER_PERSON
from tests.unit.orders.summary_writes import every_kind_of_write


@pytest.fixture
def db(engine_demo_db):
    return engine_demo_db


def count(cur, where: str, params=()) -> int:
    return fetch_value(cur, f"SELECT count(*) FROM orders o WHERE {where}", list(params))


def test_all_view_shows_every_unarchived_order_newest_first(cur):
    page = list_orders_for(cur, OrderQuery(page_size=25), MANAGER_PERSON)
    assert page.total == count(cur, "archived_at IS NULL")
    assert list(page.rows.columns) == [
        "Order ID", "Client", "Quantity", "Total Due", "Created At", "Shipped On", "Status", "Carrier", "Returns"]
    created = list(page.rows["Created At"])
    assert created == sorted(created, reverse=True)
    newest = fetch_value(cur, "SELECT max(created_at) FROM orders WHERE archived_at IS NULL")
    assert created[0] == newest
    assert len(page.rows) == 25


def test_unverified_and_archived_views(cur):
    unverified = list_orders_for(cur, OrderQuery(view="Unverified", page_size=1000), MANAGER_PERSON)
    assert unverified.total == count(cur, "status = 'Unverified' AND archived_at IS NULL") > 0
    assert set(unverified.rows["Status"]) == {"Unverified"}
    archived = list_orders_for(cur, OrderQuery(view="Archived", page_size=1000), MANAGER_PERSON)
    assert archived.total == count(cur, "archived_at IS NOT NULL") > 0
    ids = set(archived.rows["Order ID"])
    assert ids.isdisjoint(set(list_orders_for(cur, OrderQuery(page_size=1000), MANAGER_PERSON).rows["Order ID"]))


@pytest.mark.parametrize("descending", [True, False])
def test_sort_by_order_id_both_ways(cur, descending):
    rows = list_orders_for(cur, OrderQuery(sort="Order ID", descending=descending, page_size=50), MANAGER_PERSON).rows
    ids = list(rows["Order ID"])
    assert ids == sorted(ids, reverse=descending)
    extreme = fetch_value(cur, f"SELECT {'max' if descending else 'min'}(order_id) FROM orders WHERE archived_at IS NULL")
    assert ids[0] == extreme


def test_sort_by_status_follows_the_lifecycle(cur):
    rows = list_orders_for(cur, OrderQuery(sort="Status", descending=False, page_size=5), MANAGER_PERSON).rows
    assert rows["Status"].iloc[0] == "Unverified"
    last = list_orders_for(cur, OrderQuery(sort="Status", descending=True, page_size=5), MANAGER_PERSON).rows
    assert last["Status"].iloc[0] == "Cancelled"


def test_pages_do_not_overlap_and_cover_the_result(cur):
    q = OrderQuery(view="Unverified", page_size=7)
    first = list_orders_for(cur, q, MANAGER_PERSON)
    seen = []
    for page in range(1, first.pages + 1):
        seen += list(list_orders_for(cur, q.at_page(page), MANAGER_PERSON).rows["Order ID"])
    assert len(seen) == len(set(seen)) == first.total


def test_search_is_case_and_accent_insensitive(cur, db):
    cur.execute("UPDATE clients SET name = 'Éloïse Côté', name_key = 'eloise cote' WHERE client_id = 1001")
    rows = list_orders_for(cur, OrderQuery(search="COTE", page_size=1000), MANAGER_PERSON).rows
    assert "Éloïse Côté" in set(rows["Client"])
    assert all("cote" in n.lower().replace("ô", "o").replace("é", "e") for n in rows["Client"])
    assert list_orders_for(cur, OrderQuery(search="éloïse", page_size=1000), MANAGER_PERSON).total == \
        list_orders_for(cur, OrderQuery(search="eloise", page_size=1000), MANAGER_PERSON).total > 0


def test_search_by_exact_order_id_tracking_and_carrier(cur):
    order_id, tracking = fetch_frame(
        cur, "SELECT order_id, tracking_number FROM orders WHERE tracking_number IS NOT NULL "
             "AND archived_at IS NULL ORDER BY order_id LIMIT 1").iloc[0]
    by_id = list_orders_for(cur, OrderQuery(search=str(order_id)), MANAGER_PERSON).rows
    assert order_id in set(by_id["Order ID"])
    by_tracking = list_orders_for(cur, OrderQuery(search=tracking.lower()[3:]), MANAGER_PERSON).rows
    assert list(by_tracking["Order ID"]) == [order_id]
    short = list_orders_for(cur, OrderQuery(search=tracking[-7:], page_size=1000), MANAGER_PERSON).rows
    assert order_id not in set(short["Order ID"]), "7 characters of a tracking number are not enough"
    assert order_id in set(list_orders_for(cur, OrderQuery(search=tracking[-8:]), MANAGER_PERSON).rows["Order ID"])
    by_carrier = list_orders_for(cur, OrderQuery(search="purol", page_size=1000), MANAGER_PERSON)
    assert by_carrier.total == count(cur, "carrier = 'Purolator' AND archived_at IS NULL")


def test_an_apostrophe_is_just_a_character(cur):
    rows = list_orders_for(cur, OrderQuery(search="o'brien", page_size=1000), MANAGER_PERSON).rows
    assert len(rows) > 0 and all("O'Brien" in name for name in rows["Client"])


@pytest.mark.parametrize("text", [
    '"', "%", "_", "%%", "' OR 1=1 --", "'; DROP TABLE orders; --", "😀🌿", "x" * 10_000, "\\", "\x00",
])
def test_hostile_search_returns_nothing_and_changes_nothing(cur, text):
    before = count(cur, "TRUE")
    page = list_orders_for(cur, OrderQuery(search=text), MANAGER_PERSON)
    assert page.total == 0 and page.rows.empty
    assert count(cur, "TRUE") == before


def test_extra_filters_combine(cur):
    q = OrderQuery(statuses=("Shipped", "Delivered"), carriers=("UPS",), sources=("CSR",),
                   created_from=dt.date(2025, 1, 1), created_to=dt.date(2025, 12, 31), page_size=1000)
    page = list_orders_for(cur, q, MANAGER_PERSON)
    expected = count(cur, "status IN ('Shipped','Delivered') AND carrier = 'UPS' AND source = 'CSR' "
                          "AND created_at >= DATE '2025-01-01' AND created_at < DATE '2026-01-01' "
                          "AND archived_at IS NULL")
    assert page.total == expected > 0
    assert set(page.rows["Carrier"]) == {"UPS"}
    assert all(dt.date(2025, 1, 1) <= ts.date() <= dt.date(2025, 12, 31) for ts in page.rows["Created At"])


def test_blank_quantity_shipped_on_and_carrier(cur):
    rows = list_orders_for(cur, OrderQuery(page_size=1000, statuses=("Open",)), MANAGER_PERSON).rows
    assert rows["Carrier"].isna().any(), "an Open order without a carrier shows a blank carrier"
    assert rows["Shipped On"].isna().all(), "Shipped On only for Shipped or Delivered orders"
    accessory = fetch_value(cur, "SELECT min(order_id) FROM orders WHERE grams IS NULL AND archived_at IS NULL")
    row = list_orders_for(cur, OrderQuery(search=str(accessory)), MANAGER_PERSON).rows.iloc[0]
    assert row["Quantity"] is None and isinstance(row["Total Due"], Decimal)


def test_invalid_queries_say_why(cur):
    with pytest.raises(InvalidQuery, match="sorted by"):
        list_orders_for(cur, OrderQuery(sort="Client; DROP TABLE orders"), MANAGER_PERSON)
    with pytest.raises(InvalidQuery, match="Unknown status"):
        list_orders_for(cur, OrderQuery(statuses=("Lost",)), MANAGER_PERSON)
    with pytest.raises(InvalidQuery, match="after"):
        list_orders_for(cur, OrderQuery(created_from=dt.date(2026, 2, 1), created_to=dt.date(2026, 1, 1)), MANAGER_PERSON)


def test_export_csv_holds_every_page_of_the_filtered_result(cur):
    q = OrderQuery(view="Unverified", page_size=5)
    raw = export_csv_for(cur, q, MANAGER_PERSON)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows "Côté", not "CÃ´tÃ©"
    text = raw.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == ("Order ID,Client,Quantity,Total Due,Created At,Shipped On,Status,Carrier,Returns,Policy Coverage,"
                        "Returned Units,Refunded to Client,Refunded to Insurers")
    assert len(lines) - 1 == list_orders_for(cur, q, MANAGER_PERSON).total
    first = list_orders_for(cur, q, MANAGER_PERSON).rows.iloc[0]
    assert lines[1].startswith(f"{first['Order ID']},{first['Client']},")
    assert f",{first['Total Due']}," in lines[1]  # exact decimals, e.g. 30.00
    assert export_csv_for(cur, OrderQuery(search="no such client"), MANAGER_PERSON).decode("utf-8-sig").strip().startswith("Order ID,")


def test_every_listing_counts_its_pages_the_same_way():
    from orders_core.clients.records import ClientPage, ClientQuery
    from orders_core.orders.index import OrderPage
    from orders_core.recurring.api import TemplatePage, TemplateQuery
    from orders_core.rules.paging import page_count

    assert [page_count(n, 25) for n in (0, 1, 25, 26, 1_000)] == [1, 1, 1, 2, 40]
    empty = pd.DataFrame()
    assert OrderPage(empty, 51, OrderQuery(page_size=50)).pages == 2
    assert ClientPage(empty, 0, ClientQuery(page_size=25)).pages == 1
    assert TemplatePage(empty, 101, TemplateQuery(page_size=50)).pages == 3
    for page, size in ((0, 50), (1, 0), (1, 1_001)):
        with pytest.raises(InvalidQuery, match="^Page numbers start at 1 and a page holds 1 to 1,000 orders.$"):
            OrderQuery(page=page, page_size=size).validated()
        with pytest.raises(ValueError, match="a page holds 1 to 1,000 clients"):
            ClientQuery(page=page, page_size=size).validated()
        with pytest.raises(ValueError, match="a page holds 1 to 1,000 recurring orders"):
            TemplateQuery(page=page, page_size=size).validated()


def test_search_words_in_any_order_and_order_numbers_with_separators(cur):
    cur.execute("UPDATE clients SET name = 'Françoise Quintal-Côté', name_key = 'francoise quintal-cote' "
                "WHERE client_id = 1001")
    mine = count(cur, "client_id = 1001 AND archived_at IS NULL")
    assert mine > 0
    for text in ("Quintal-Côté Françoise", "quintal-cote, francoise", "FRANÇOISE  QUINTAL"):
        rows = list_orders_for(cur, OrderQuery(search=text, page_size=1000), MANAGER_PERSON).rows
        assert set(rows["Client"]) == {"Françoise Quintal-Côté"} and len(rows) == mine, text
    assert list_orders_for(cur, OrderQuery(search="Côté Zébulon"), MANAGER_PERSON).total == 0  # every word must match
    order_id = int(fetch_frame(cur, "SELECT max(order_id) AS id FROM orders WHERE archived_at IS NULL").iloc[0]["id"])
    grouped = f"{order_id:,}"
    for text in (grouped.replace(",", " "), grouped, grouped.replace(",", "\u00a0"), f"# {order_id}"):
        assert list(list_orders_for(cur, OrderQuery(search=text), MANAGER_PERSON).rows["Order ID"]) == [order_id], text


def test_each_sort_has_its_natural_direction():
    from orders_core.orders.index import NATURAL_DESCENDING

    assert NATURAL_DESCENDING == {"Created At": True, "Order ID": True, "Status": False}


def test_the_export_writes_what_each_policy_paid_as_money(cur):
    from orders_core.orders.coverage import coverage_by_order

    rows = fetch_frame(cur, "SELECT order_id, insurer, amount FROM order_coverage WHERE amount > 0 "
                            "ORDER BY amount DESC, order_id LIMIT 20")
    assert not rows.empty
    paid = coverage_by_order(cur, rows["order_id"].tolist())
    for order_id, insurer, amount in rows.itertuples(index=False):
        assert f"{insurer} ${amount:,.2f}" in paid[int(order_id)]


def test_each_role_sees_its_statuses_in_the_index_and_only_some_export(cur):
    from orders_core.orders.access import export_csv_for, list_orders_for
    from orders_core.rules.roles import NotAllowed, order_statuses
    from tests.people import CSR, FULFILLMENT, MANAGER_PERSON

    shipping = order_statuses(FULFILLMENT)
    page = list_orders_for(cur, OrderQuery(page_size=1000), FULFILLMENT)
    assert set(page.rows["Status"]) <= set(shipping)
    in_list = ", ".join(f"'{s}'" for s in shipping)
    assert page.total == count(cur, f"archived_at IS NULL AND status::VARCHAR IN ({in_list})") > 0
    assert list_orders_for(cur, OrderQuery(view="Unverified"), FULFILLMENT).total == 0
    assert list_orders_for(cur, OrderQuery(page_size=25), CSR).total == count(cur, "archived_at IS NULL")
    with pytest.raises(NotAllowed):
        export_csv_for(cur, OrderQuery(), CSR)
    lines = export_csv_for(cur, OrderQuery(view="Unverified"), MANAGER_PERSON).decode("utf-8-sig").strip().splitlines()
    assert len(lines) - 1 == count(cur, "status = 'Unverified' AND archived_at IS NULL")


def test_percent_underscore_and_backslash_in_a_name_are_plain_characters(cur):
    cur.execute("UPDATE clients SET name = 'Zoë 50%_Off\\Test', name_key = 'zoe 50%_off\\test' WHERE client_id = 1001")
    mine = count(cur, "client_id = 1001 AND archived_at IS NULL")
    assert mine > 0
    for text in ("50%_off", "%_off\\t", "zoe 50%"):
        assert list_orders_for(cur, OrderQuery(search=text, page_size=1000), MANAGER_PERSON).total == mine, text
    for text in ("50_%off", "5%", "off_test", "f\\\\t"):
        assert "Zoë 50%_Off\\Test" not in set(list_orders_for(cur, OrderQuery(search=text, page_size=1000), MANAGER_PERSON).rows["Client"]), text


@pytest.mark.postgresql
def test_postgresql_search_has_trigram_indexes_it_can_use(pg_demo_db):
    from orders_core.storage import dialect

    cur = pg_demo_db.cursor()
    names = {r[0] for r in cur.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'").fetchall()}
    assert names == {"clients_name_key_trgm", "client_search_name_trgm", "orders_tracking_number_trgm"}
    d = dialect.of(cur)
    cur.execute("SET enable_seqscan = off")  # 2,000 orders are cheaper to scan: ask whether the index serves
    try:
        for table, column, index in (("clients", "name_key", "clients_name_key_trgm"),
                                     ("client_search", "name_key", "client_search_name_trgm"),
                                     ("orders o", "o.tracking_number", "orders_tracking_number_trgm")):
            plan = "\n".join(r[0] for r in cur.execute(
                f"EXPLAIN SELECT count(*) FROM {table} WHERE {d.contains(column, '?')}", ["cote"]).fetchall())
            assert index in plan, plan
    finally:
        cur.execute("RESET enable_seqscan")


@pytest.mark.postgresql
def test_postgresql_sorts_and_counts_read_the_sort_indexes(pg_demo_db):
    """Migration 6: a page of the index walks a partial index in its order (no sort of every unarchived order)."""
    from orders_core.storage import dialect

    cur = pg_demo_db.cursor()
    names = {r[0] for r in cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'").fetchall()}
    made = {line.split()[5] for line in dialect.POSTGRES.sort_indexes.splitlines()}
    assert made == {"orders_open_created", "orders_archived_created", "orders_open_status_created",
                    "orders_open_carrier_created", "orders_open_client_created"} and made <= names
    cur.execute("SET enable_seqscan = off")  # 2,000 orders are cheaper to scan: ask whether the index serves
    try:
        for where, order_by, index in (
            ("o.archived_at IS NULL", "o.created_at DESC, o.order_id DESC", "orders_open_created"),
            ("o.archived_at IS NOT NULL", "o.created_at DESC, o.order_id DESC", "orders_archived_created"),
            ("o.archived_at IS NULL", "o.status DESC, o.created_at DESC, o.order_id DESC", "orders_open_status_created"),
        ):
            plan = "\n".join(r[0] for r in cur.execute(
                f"EXPLAIN SELECT o.order_id FROM orders o WHERE {where} ORDER BY {order_by} LIMIT 50").fetchall())
            assert index in plan and "Sort" not in plan, plan
    finally:
        cur.execute("RESET enable_seqscan")


def test_duckdb_gets_no_sort_indexes(duckdb_db):
    cur = duckdb_db.cursor()
    assert fetch_value(cur, "SELECT count(*) FROM duckdb_indexes() WHERE index_name LIKE 'orders_open%'") == 0


@pytest.mark.postgresql
def test_postgresql_counts_the_views_from_a_summary_kept_exact_by_every_write(pg_demo_db):
    """Migration 7: ``order_counts`` follows inserts, status changes, archiving, deletes and rollbacks, and the
    index's unfiltered counts read it; a filtered count still counts the orders."""
    cur = pg_demo_db.cursor()

    def exact() -> None:
        summary = cur.execute("SELECT archived, status::VARCHAR, sum(n)::BIGINT FROM order_counts GROUP BY 1, 2 "
                              "HAVING sum(n) <> 0 ORDER BY 1, 2").fetchall()
        actual = cur.execute("SELECT archived_at IS NOT NULL, status::VARCHAR, count(*) FROM orders "
                             "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
        assert summary == actual
        for q, where in ((OrderQuery(), "archived_at IS NULL"), (OrderQuery(view="Archived"), "archived_at IS NOT NULL"),
                         (OrderQuery(view="Unverified", sort="Status"), "archived_at IS NULL AND status = 'Unverified'"),
                         (OrderQuery(statuses=("Open", "Shipped"), page=2), "archived_at IS NULL AND status IN ('Open', 'Shipped')"),
                         (OrderQuery(visible_statuses=("Open",)), "archived_at IS NULL AND status = 'Open'"),
                         (OrderQuery(visible_statuses=()), "FALSE")):
            # the unchecked building block: a role's limit (``visible_statuses``) is set here by hand
            assert _list_orders(cur, q).total == fetch_value(cur, f"SELECT count(*) FROM orders WHERE {where}"), q

    every_kind_of_write(pg_demo_db, exact)
    from orders_core.reports.check import check

    assert not [b for b in check(cur) if b.check == "order counts"]
    pg_demo_db.write(lambda c: c.execute("UPDATE order_counts SET n = n + 1 WHERE NOT archived AND status = 'Open' "
                                         "AND slot = 0"))
    assert [b.sentence for b in check(cur) if b.check == "order counts"] == [
        f"The Orders index counts {fetch_value(cur, 'SELECT sum(n) FROM order_counts WHERE NOT archived AND status = ?', ['Open'])}"
        f" unarchived Open orders (order_counts) but there are "
        f"{fetch_value(cur, 'SELECT count(*) FROM orders WHERE archived_at IS NULL AND status = ?', ['Open'])}."]
    pg_demo_db.write(lambda c: c.execute("UPDATE order_counts SET n = n - 1 WHERE NOT archived AND status = 'Open' "
                                         "AND slot = 0"))
    assert list_orders_for(cur, OrderQuery(search="cote"), MANAGER_PERSON).total == fetch_value(
        cur, "SELECT count(*) FROM orders o JOIN clients c USING (client_id) WHERE o.archived_at IS NULL "
        "AND c.name_key LIKE '%cote%'")


def test_the_export_on_postgresql_streams_in_batches_and_writes_what_duckdb_writes(duckdb_db, pg_demo_db,
                                                                                     monkeypatch):
    """On PostgreSQL the export reads from a server-side cursor a batch at a time (the process never holds
    the whole result), while a second cursor on the same connection looks up each batch's coverage."""
    import orders_core.storage.postgres as db_postgres

    q = OrderQuery(view="All", page_size=5)
    expected = export_csv_for(duckdb_db.cursor(), q, MANAGER_PERSON)
    batches, open_cursors = [], []
    streamed = db_postgres.PgCursor.iter_frames

    def counted(self, sql, params=None, batch=50_000):
        for frame in streamed(self, sql, params, 7):
            batches.append(len(frame))
            open_cursors.append(self.cursor().execute("SELECT count(*) FROM pg_cursors").fetchall()[0][0])
            yield frame

    monkeypatch.setattr(db_postgres.PgCursor, "iter_frames", counted)
    cur = pg_demo_db.cursor()
    assert export_csv_for(cur, q, MANAGER_PERSON) == expected
    assert len(batches) > 2 and max(batches) == 7  # many batches of 7 rows, not one result read whole
    assert min(open_cursors) == 1  # the rows wait on the server, in its cursor, between batches
    assert sum(batches) == len(expected.decode("utf-8-sig").strip().splitlines()) - 1  # every row, once
    assert cur.execute("SELECT count(*) FROM orders").fetchall()[0][0] > 0  # the connection is usable after it


def test_a_summary_written_past_its_triggers_is_recounted_by_an_administrator(pg_demo_db, capsys):
    """A restore that bypasses the triggers (here: the archive trigger switched off for one statement) leaves
    ``order_counts`` behind the orders; ``check`` lists it, and ``check --recount --as ADMIN`` mends it."""
    from orders_core.cli.main import main
    from orders_core.reports.check import check
    from orders_core.rules.roles import NotAllowed
    from tests.people import ADMIN, CSR

    def past_the_triggers(c):
        c.execute("ALTER TABLE orders DISABLE TRIGGER order_counts_update")
        c.execute("UPDATE orders SET status = 'Cancelled' WHERE order_id IN "
                  "(SELECT order_id FROM orders WHERE status = 'Open' ORDER BY order_id LIMIT 3)")
        c.execute("ALTER TABLE orders ENABLE TRIGGER order_counts_update")

    pg_demo_db.write(past_the_triggers)
    cur = pg_demo_db.cursor()
    assert len([b for b in check(cur) if b.check == "order counts"]) == 2  # Open 3 too many, Cancelled 3 too few
    with pytest.raises(NotAllowed):
        recount_summaries(cur, CSR)
    assert len([b for b in check(cur) if b.check == "order counts"]) == 2  # refused: nothing changed

    assert main(["check", "--recount", "--db", pg_demo_db.url]) == 2  # who recounts must be said
    assert "--as" in capsys.readouterr().err
    main(["check", "--recount", "--db", pg_demo_db.url, "--as", ADMIN.email])
    orders = fetch_value(cur, "SELECT count(*) FROM orders")
    assert f"Recounted the Orders index's summary: {orders:,} orders." in capsys.readouterr().out
    assert not [b for b in check(cur) if b.check == "order counts"]
    assert list_orders_for(cur, OrderQuery(view="All"), MANAGER_PERSON).total == fetch_value(
        cur, "SELECT count(*) FROM orders WHERE archived_at IS NULL")  # the index counts from the summary
