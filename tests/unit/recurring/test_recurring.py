"""Recurring orders: due dates, templates against the allowance and cap, set-based generation.

Every test that needs no DuckDB file of its own runs on both engines (``db`` is ``engine_demo_db``: the
same 2,000-order demo on DuckDB and on PostgreSQL); the command line's and DuckDB's own conflict tests
run on DuckDB, and two app servers generating at once on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from decimal import Decimal

import duckdb
import pytest

from orders_core.orders import allowance_ledger
from orders_core.recurring import api as rec
from orders_core.recurring import generation as gen
from orders_core.recurring.api import TemplateDraft, TemplateLine, TemplateRefused
from orders_core.recurring.dates import sql_dom_after, sql_dom_on_or_before, sql_grid_on_or_before
from orders_core.storage.database import open_database
from orders_core.storage.reads import fetch_one, fetch_value
from orders_core.storage.transactions import run_write
from tests.checksums import checksum
from tests.people import MANAGER_PERSON, acting
from tests.races import join_all, meet, race

ANCHOR = dt.date(2026, 11, 26)
D = dt.date


@pytest.fixture
def db(engine_demo_db):
    """The demo on each engine (DuckDB, PostgreSQL), checked clean at the end."""
    return engine_demo_db


@pytest.fixture
def cur(db):
    return db.cursor()


# --------------------------------------------------------------------------- due-date arithmetic


@pytest.mark.parametrize(
    ("dom", "day", "before", "after"),
    [
        (31, D(2027, 2, 15), D(2027, 1, 31), D(2027, 2, 28)),   # short month: the last day
        (31, D(2028, 2, 15), D(2028, 1, 31), D(2028, 2, 29)),   # leap year
        (29, D(2027, 3, 1), D(2027, 2, 28), D(2027, 3, 29)),
        (30, D(2028, 2, 29), D(2028, 2, 29), D(2028, 3, 30)),   # clipped day is the day itself
        (1, D(2026, 12, 31), D(2026, 12, 1), D(2027, 1, 1)),    # year end
        (15, D(2026, 1, 10), D(2025, 12, 15), D(2026, 1, 15)),  # back over a year end
        (31, D(2026, 4, 30), D(2026, 4, 30), D(2026, 5, 31)),
    ],
)
def test_day_of_month_schedule_clips_to_month_ends(dom, day, before, after):
    assert rec.day_of_month_on_or_before(dom, day) == before
    assert rec.day_of_month_after(dom, day) == after


def test_day_of_month_on_or_after_includes_the_day_itself():
    assert rec.day_of_month_on_or_after(31, D(2027, 2, 28)) == D(2027, 2, 28)
    assert rec.day_of_month_on_or_after(5, D(2026, 11, 26)) == D(2026, 12, 5)


def test_prescription_period_starts_are_30_day_steps_from_valid_from():
    vf = D(2028, 1, 15)
    assert rec.period_start_on_or_before(vf, D(2028, 1, 15)) == vf
    assert rec.period_start_on_or_before(vf, D(2028, 2, 13)) == vf
    assert rec.period_start_on_or_before(vf, D(2028, 2, 14)) == D(2028, 2, 14)   # crosses Feb 29
    assert rec.period_start_on_or_before(vf, D(2028, 3, 15)) == D(2028, 3, 15)
    assert rec.period_start_on_or_after(vf, D(2028, 2, 1)) == D(2028, 2, 14)
    assert rec.period_start_on_or_after(vf, D(2028, 2, 14)) == D(2028, 2, 14)
    assert rec.period_start_on_or_after(vf, D(2027, 12, 1)) == vf


def test_sql_schedule_matches_python_every_day_for_two_years(engine_empty_db):
    before = sql_dom_on_or_before("day", "dom")
    rows = engine_empty_db.cursor().execute(
        f"""
        SELECT day, dom, {before}, {sql_dom_after(before, "dom")},
               {sql_grid_on_or_before("DATE '2027-02-27'", "day", "30")}
        FROM (SELECT t.d::DATE AS day, v.dom
              FROM generate_series(TIMESTAMP '2027-02-27', TIMESTAMP '2029-02-28', INTERVAL '1 day') AS t(d),
                   (VALUES (1), (28), (29), (30), (31)) AS v(dom)) s
        """  # noqa: S608 -- our own SQL
    ).fetchall()
    assert len(rows) > 3000
    for day, dom, before, after, grid in rows:
        assert before == rec.day_of_month_on_or_before(dom, day)
        assert after == rec.day_of_month_after(dom, day)
        assert grid == rec.period_start_on_or_before(D(2027, 2, 27), day)


# --------------------------------------------------------------------------- helpers


RX_FROM, RX_UNTIL = D(2026, 10, 1), D(2027, 9, 30)


def _set_rx(cur, client_id: int, grams_per_day="5", valid_from=RX_FROM, valid_until=RX_UNTIL):
    cur.execute(
        "UPDATE prescriptions SET grams_per_day = ?, valid_from = ?, valid_until = ? WHERE client_id = ?",
        [Decimal(grams_per_day), valid_from, valid_until, client_id],
    )


def _approved_client(cur) -> int:
    """A demo client without a template, Approved, prescription valid 2026-10-01 to 2027-09-30."""
    cid = fetch_value(
        cur,
        "SELECT min(client_id) FROM clients WHERE registration_status = 'Approved' "
        "AND client_id NOT IN (SELECT client_id FROM recurring_orders)",
    )
    _set_rx(cur, cid)
    return cid


def _sku(cur, grams: str) -> str:
    return fetch_value(cur, "SELECT min(sku) FROM products WHERE is_cannabis AND dried_equiv_grams = ?", [Decimal(grams)])


def _accessory(cur) -> str:
    return fetch_value(cur, "SELECT min(sku) FROM products WHERE NOT is_cannabis")


def _template(db, cid, lines, **kw) -> int:
    draft = TemplateDraft(cid, tuple(TemplateLine(s, u) for s, u in lines), carrier=kw.pop("carrier", "Purolator"),
                          **kw)
    return rec.save_template(db, draft, acting("Test CSR"), today=ANCHOR)


def _orders_count(cur) -> int:
    return fetch_value(cur, "SELECT count(*) FROM orders")


# --------------------------------------------------------------------------- templates


def test_template_is_saved_with_next_period_start_and_an_event(db, cur):
    cid = _approved_client(cur)
    rid = _template(db, cid, [(_sku(cur, "15"), 2), (_accessory(cur), 1)])
    t = rec.get_template(cur, cid, MANAGER_PERSON)
    assert t.recurring_order_id == rid and t.enabled and t.carrier == "Purolator"
    # periods from 2026-10-01: Oct 1, Oct 31, Nov 30 -> the first on or after Nov 26 is Nov 30
    assert t.next_order_on == D(2026, 11, 30)
    assert [(ln.units) for ln in t.lines] == [2, 1]
    events = rec.template_events(cur, rid, MANAGER_PERSON)
    assert events["What"].tolist() == ["created"] and events["Who"].tolist() == ["Test CSR (test.csr@staff.example)"]


def test_check_shows_grams_against_allowance_and_cap(db, cur):
    cid = _approved_client(cur)
    _set_rx(cur, cid, "10")
    check = rec.check_template(cur, TemplateDraft(cid, (TemplateLine(_sku(cur, "15"), 12),)), MANAGER_PERSON, today=ANCHOR)
    assert check.ok
    assert check.grams_per_month == Decimal("180.000")
    assert check.client.allowance == Decimal("300.00") and check.client.shipment_cap == Decimal("150")
    assert check.shipments == 2


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("over", "over Ada's monthly allowance of 150 g"),
        ("no_rx", "has no prescription, so no cannabis can be sent"),
        ("unknown", "There is no product with SKU 'NOPE-1'."),
        ("zero", "must be a whole number from 1 to 999"),
        ("empty", "A recurring order needs at least one product."),
        ("carrier", "'Pigeon' is not one of our carriers."),
        ("dom", "The day of the month must be a whole number from 1 to 31."),
        ("past", "is in the past"),
    ],
)
def test_a_template_that_can_never_ship_is_refused_with_the_reason(db, cur, change, reason):
    cid = _approved_client(cur)
    cur.execute("UPDATE clients SET name = 'Ada' WHERE client_id = ?", [cid])
    sku = _sku(cur, "15")
    lines, kw = [(sku, 2)], {}
    if change == "over":
        lines = [(sku, 11)]                      # 165 g > 5 g/day x 30
    elif change == "no_rx":
        cur.execute("UPDATE prescriptions SET active = FALSE WHERE client_id = ?", [cid])
        kw = {"schedule": "day_of_month", "day_of_month": 3}
    elif change == "unknown":
        lines = [("NOPE-1", 1)]
    elif change == "zero":
        lines = [(sku, 0)]
    elif change == "empty":
        lines = []
    elif change == "carrier":
        kw = {"carrier": "Pigeon"}
    elif change == "dom":
        kw = {"schedule": "day_of_month", "day_of_month": 32}
    elif change == "past":
        kw = {"next_order_on": D(2026, 11, 1)}
    before = fetch_value(cur, "SELECT count(*) FROM recurring_orders")
    events = fetch_value(cur, "SELECT count(*) FROM recurring_events")
    with pytest.raises(TemplateRefused) as err:
        _template(db, cid, lines, **kw)
    assert reason in str(err.value)
    assert fetch_value(cur, "SELECT count(*) FROM recurring_orders") == before
    assert fetch_value(cur, "SELECT count(*) FROM recurring_events") == events


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_a_unit_heavier_than_the_shipment_cap_is_refused(db, cur):
    cid = _approved_client(cur)
    _set_rx(cur, cid, "10")                     # allowance 300 g, but one shipment holds 150 g
    sku = _sku(cur, "15")
    cur.execute("UPDATE products SET dried_equiv_grams = 160 WHERE sku = ?", [sku])
    with pytest.raises(TemplateRefused) as err:
        _template(db, cid, [(sku, 1)])
    assert "is 160 g, over the 150 g one shipment may hold; it can never ship." in str(err.value)


def test_editing_records_what_changed_and_warns_about_registration(db, cur):
    cid = _approved_client(cur)
    sku = _sku(cur, "15")
    rid = _template(db, cid, [(sku, 1)])
    cur.execute("UPDATE clients SET registration_status = 'Pending Verification' WHERE client_id = ?", [cid])
    draft = TemplateDraft(cid, (TemplateLine(sku, 3),), "UPS", True, "day_of_month", 31)
    check = rec.check_template(cur, draft, MANAGER_PERSON, today=ANCHOR)
    assert check.ok and check.next_order_on == D(2026, 11, 30)
    assert any("Pending Verification" in w for w in check.warnings)
    rec.save_template(db, draft, acting("Second CSR"), today=ANCHOR)
    t = rec.get_template(cur, cid, MANAGER_PERSON)
    assert (t.carrier, t.schedule, t.day_of_month, t.lines[0].units) == ("UPS", "day_of_month", 31, 3)
    details = rec.template_events(cur, rid, MANAGER_PERSON)["Details"].iloc[0]
    assert "carrier Purolator → UPS" in details and "schedule period → day_of_month" in details


def test_a_line_taken_off_keeps_its_row_and_is_not_ordered(db, cur):
    cid = _approved_client(cur)
    big, small = _sku(cur, "15"), _sku(cur, "3.5")
    rid = _template(db, cid, [(big, 1), (small, 2)], next_order_on=ANCHOR)
    _template(db, cid, [(small, 3)], next_order_on=ANCHOR)
    assert rec.get_template(cur, cid, MANAGER_PERSON).lines == (TemplateLine(small, 3),)
    rows = cur.execute("SELECT line_no, sku, units FROM recurring_order_lines WHERE recurring_order_id = ? "
                       "ORDER BY line_no", [rid]).fetchall()
    assert rows == [(1, small, 3), (2, small, 0)]                # nothing deleted
    result = rec.generate_due(db, acting("Test CSR"), ANCHOR)
    order_id = int(result.orders[result.orders["Recurring Order"] == rid]["Order ID"].iloc[0])
    assert cur.execute("SELECT sku, units FROM order_lines WHERE order_id = ?", [order_id]).fetchall() == [(small, 3)]
    items = rec.list_templates(cur, rec.TemplateQuery(search=str(cid), today=ANCHOR), MANAGER_PERSON).rows["Items"].iloc[0]
    assert items.startswith("3 x ") and ";" not in items


# --------------------------------------------------------------------------- generation


def test_generation_makes_one_open_order_per_due_template(db, cur):
    as_of = D(2026, 12, 10)
    due = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [as_of])
    assert due > 0
    result = rec.generate_due(db, acting("Test CSR"), as_of)
    assert len(result.orders) == due and result.generated_templates == due
    ids = result.order_ids
    orders = cur.execute(
        """
        SELECT o.status::VARCHAR, o.source::VARCHAR, o.placed_by, o.recurring_order_id, o.client_id,
               o.subtotal, o.line_discount_total, o.order_discount, o.coverage_amount, o.shipping_charge,
               o.total_due, o.grams, (SELECT sum(units * unit_price) FROM order_lines l WHERE l.order_id = o.order_id),
               (SELECT sum(l.units * p.dried_equiv_grams) FILTER (WHERE p.is_cannabis) FROM order_lines l JOIN products p USING (sku)
                 WHERE l.order_id = o.order_id), o.created_at::DATE
        FROM orders o WHERE order_id IN (SELECT unnest(?::BIGINT[]))
        """,
        [ids],
    ).fetchall()
    for status, source, placed_by, rid, cid, sub, ld, od, cov, ship, total, grams, lines_sum, lines_g, day in orders:
        assert (status, source, placed_by) == ("Open", "Recurring", "Recurring order")
        assert rid == cid  # demo templates carry the client's id
        assert total == sub - ld - od - cov + ship and sub == lines_sum
        assert grams == lines_g
        assert day == as_of
    events = cur.execute(
        "SELECT kind, actor, details FROM order_events WHERE order_id IN (SELECT unnest(?::BIGINT[]))", [ids]
    ).fetchall()
    assert len(events) == due
    assert all(k == "created" and a == "Test CSR" and "generated from recurring order" in d for k, a, d in events)
    # every template advanced past the run date and points at its new order
    left = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [as_of])
    assert left == 0
    last = fetch_value(
        cur, "SELECT count(*) FROM recurring_orders WHERE last_generated_order_id IN (SELECT unnest(?::BIGINT[]))",
        [ids],
    )
    assert last == due


def test_running_twice_creates_nothing_the_second_time(db, cur):
    first = rec.generate_due(db, acting("Test CSR"), D(2026, 12, 10))
    before = _orders_count(cur)
    second = rec.generate_due(db, acting("Test CSR"), D(2026, 12, 10))
    assert len(first.orders) > 0 and len(second.orders) == 0
    assert _orders_count(cur) == before


def test_resetting_the_next_date_inside_a_generated_period_creates_nothing(db, cur):
    cid = _approved_client(cur)
    rid = _template(db, cid, [(_sku(cur, "15"), 1)], next_order_on=ANCHOR)
    assert len(rec.generate_due(db, acting("Test CSR"), ANCHOR).orders) >= 1
    cur.execute("UPDATE recurring_orders SET next_order_on = ? WHERE recurring_order_id = ?", [ANCHOR, rid])
    result = rec.generate_due(db, acting("Test CSR"), ANCHOR + dt.timedelta(days=1))
    assert result.already == 1 and rid not in set(result.orders["Recurring Order"])
    assert fetch_value(cur, "SELECT next_order_on FROM recurring_orders WHERE recurring_order_id = ?", [rid]) \
        == D(2026, 11, 30)


def test_two_overlapping_runs_generate_once(db, cur, monkeypatch):
    """Both runs are inside their transactions and have read the due templates before either locks or
    advances them (on PostgreSQL the real ``_lock_due`` then takes the rows' locks and the second run waits
    there; on DuckDB the second run's writes conflict and its retry finds nothing due)."""
    as_of = D(2026, 12, 10)
    due = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [as_of])
    before = _orders_count(cur)
    meet(monkeypatch, gen, "_lock_due", read=lambda c, day, _limit: fetch_value(
        c, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [day]))
    outcomes = race(lambda: rec.generate_due(db, acting("CSR 0"), as_of),
                    lambda: rec.generate_due(db, acting("CSR 1"), as_of))
    errors = [o for o in outcomes if isinstance(o, Exception)]
    results = [o for o in outcomes if not isinstance(o, Exception)]
    assert not errors
    assert sorted(len(r.orders) for r in results) == [0, due]
    assert _orders_count(cur) == before + due


@pytest.mark.postgresql
def test_two_app_servers_generating_at_the_same_moment_create_each_due_order_once(
        pg_demo_db, postgres_server, monkeypatch):
    """Two app servers' daily jobs (two pools on one PostgreSQL database) start the same day's run at once:
    both transactions are open and about to read the due templates together (a barrier inside the run);
    one generates every due order, the other waits on the template rows and then finds nothing due."""
    cur = pg_demo_db.cursor()
    as_of = D(2026, 12, 10)
    plan = rec.preview_due(cur, MANAGER_PERSON, as_of)
    expected = int(plan["Orders"].sum())
    due = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [as_of])
    before = _orders_count(cur)
    assert expected > 0 and due == len(plan)

    def ledger_rows(c):  # the clients' period rows exist already (as after any order this period): the runs
        keys = gen._stage_due(c, as_of)  # cannot serialize on creating them, only on the template rows
        allowance_ledger.claim(c, keys)
        allowance_ledger.settle(c, keys)
        return keys

    assert len(pg_demo_db.write(ledger_rows)) > 0
    servers = [open_database(pg_demo_db.url, create=False) for _ in range(2)]
    inside = threading.Barrier(2, timeout=30)
    real_lock = gen._lock_due

    first_attempts: set[int] = set()

    def lock_together(c, day, limit):
        if threading.get_ident() not in first_attempts:  # a retry does not wait for the other
            first_attempts.add(threading.get_ident())
            inside.wait()  # both runs are inside their transactions, neither holds a template yet
        real_lock(c, day, limit)

    monkeypatch.setattr(gen, "_lock_due", lock_together)
    start = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def run(server, name):
        try:
            start.wait()
            results.append(rec.generate_due(server, rec.JOB_ACTOR if name == "job" else acting(name), as_of))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(server, name))
               for server, name in zip(servers, ("job", "CSR B"), strict=True)]
    for t in threads:
        t.start()
    join_all(threads)
    for server in servers:
        server.close()
    assert not errors, errors
    assert sorted(len(r.orders) for r in results) == [0, expected]
    assert _orders_count(cur) == before + expected
    # one generation per template and period, one order per shipment, one 'created' event per order
    assert cur.execute("SELECT recurring_order_id, period_start, count(*) FROM recurring_generations "
                       "GROUP BY 1, 2 HAVING count(*) > 1").fetchall() == []
    made = cur.execute(
        "SELECT g.recurring_order_id, count(DISTINCT g.order_id), count(e.event_id) FROM recurring_generated_orders g "
        "JOIN order_events e ON e.order_id = g.order_id AND e.kind = 'created' "
        "WHERE g.order_id IN (SELECT order_id FROM orders WHERE created_at::DATE = ?) GROUP BY 1", [as_of]).fetchall()
    generated = set(plan[~plan["Skipped"]]["Recurring Order"])
    assert {rid for rid, _, _ in made} == generated
    assert all(orders == events for _, orders, events in made)
    assert sum(orders for _, orders, _ in made) == expected
    assert fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled AND next_order_on <= ?", [as_of]) == 0


def test_overlapping_transactions_conflict_and_the_retry_creates_nothing(duckdb_db):
    """DuckDB, without any lock: two cursors generate at once; the database lets only one win."""
    db = duckdb_db
    as_of = D(2026, 12, 10)
    a, b = db.cursor(), db.cursor()
    now = dt.datetime(2026, 12, 10, 9)
    a.execute("BEGIN TRANSACTION")
    b.execute("BEGIN TRANSACTION")
    first = gen.generate_work(a, as_of, acting("A"), now)
    with pytest.raises(duckdb.TransactionException):
        gen.generate_work(b, as_of, acting("B"), now)
    b.execute("ROLLBACK")
    a.execute("COMMIT")
    second = run_write(b, lambda c: gen.generate_work(c, as_of, acting("B"), now))
    assert len(first.orders) > 0 and len(second.orders) == 0
    assert fetch_value(a, "SELECT count(*) FROM orders WHERE source = 'Recurring' AND created_at >= ?", [now]) \
        == len(first.orders)


def test_a_month_over_150_g_ships_in_orders_of_at_most_150_g(db, cur):
    cid = _approved_client(cur)
    _set_rx(cur, cid, "10")                      # 300 g a period; a shipment holds 150 g
    big, small, acc = _sku(cur, "15"), _sku(cur, "3.5"), _accessory(cur)
    _template(db, cid, [(big, 12), (small, 10), (acc, 1)], next_order_on=ANCHOR)  # 180 + 35 = 215 g
    result = rec.generate_due(db, acting("Test CSR"), ANCHOR)
    mine = result.orders[result.orders["Client"] == fetch_value(cur, "SELECT name FROM clients WHERE client_id = ?", [cid])]
    assert len(mine) == 2 and set(mine["Shipments"]) == {2}
    grams = [Decimal(g) for g in mine["Grams"]]
    assert all(g <= 150 for g in grams) and sum(grams) == Decimal("215")
    units = cur.execute(
        """
        SELECT sku, sum(units) FROM order_lines WHERE order_id IN (SELECT unnest(?::BIGINT[])) GROUP BY sku
        """,
        [[int(x) for x in mine["Order ID"]]],
    ).fetchall()
    assert dict(units) == {big: 12, small: 10, acc: 1}
    details = cur.execute(
        "SELECT details FROM order_events WHERE order_id IN (SELECT unnest(?::BIGINT[])) ORDER BY order_id",
        [[int(x) for x in mine["Order ID"]]],
    ).fetchall()
    assert "shipment 1 of 2" in details[0][0] and "shipment 2 of 2" in details[1][0]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("pending", "Registration is Pending Verification, not Approved."),
        ("expired", "The prescription expired on 2026-11-20."),
    ],
)
def test_skips_record_the_reason_and_advance(db, cur, setup, reason):
    cid = _approved_client(cur)
    rid = _template(db, cid, [(_sku(cur, "15"), 1)], schedule="day_of_month", day_of_month=26,
                    next_order_on=ANCHOR)
    if setup == "pending":
        cur.execute("UPDATE clients SET registration_status = 'Pending Verification' WHERE client_id = ?", [cid])
    else:
        _set_rx(cur, cid, "5", D(2025, 11, 20), D(2026, 11, 20))
    result = rec.generate_due(db, acting("Test CSR"), ANCHOR)
    assert rid not in set(result.orders["Recurring Order"])
    skipped = result.skipped[result.skipped["Recurring Order"] == rid]
    assert skipped["Reason"].tolist() == [reason]
    t = rec.get_template_by_id(cur, rid, MANAGER_PERSON)
    assert t.last_skip_reason == reason and t.next_order_on == D(2026, 12, 26)
    assert rec.skip_history(cur, rid, MANAGER_PERSON)["Reason"].tolist() == [reason]
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE recurring_order_id = ? AND source = 'Recurring'",
                       [rid]) == 0
    row = rec.list_templates(cur, rec.TemplateQuery(search=str(cid), today=ANCHOR), MANAGER_PERSON).rows.iloc[0]
    assert row["Last Skip Reason"] == reason


@pytest.mark.breaches_on_purpose  # the test changes rows behind the rules
def test_a_month_that_no_longer_fits_what_is_left_in_the_period_is_skipped(db, cur):
    cid = _approved_client(cur)                   # 5 g a day: 150 g per period; periods from 2026-10-01
    rid = _template(db, cid, [(_sku(cur, "15"), 1)], schedule="day_of_month", day_of_month=26,
                    next_order_on=ANCHOR)
    used = fetch_value(cur, "SELECT coalesce(sum(grams), 0) FROM orders WHERE client_id = ? AND status <> 'Cancelled' "
                            "AND created_at >= DATE '2026-10-31' AND created_at < DATE '2026-11-30'", [cid])
    cur.execute(
        """
        INSERT INTO orders (order_id, client_id, source, placed_by, created_at, status, subtotal, total_due, grams,
                            updated_at)
        VALUES (nextval('order_ids'), ?, 'CSR', 'Test CSR', TIMESTAMP '2026-11-20 10:00', 'Open', 100, 100, ?, now())
        """,
        [cid, Decimal("145") - used],
    )
    result = rec.generate_due(db, acting("Test CSR"), ANCHOR)
    assert rid not in set(result.orders["Recurring Order"])
    assert rec.get_template_by_id(cur, rid, MANAGER_PERSON).last_skip_reason == (
        "Only 5 g of the 150 g allowance is left in the prescription period starting 2026-10-31; "
        "the recurring order needs 15 g."
    )


def test_disabled_templates_are_not_generated(db, cur):
    cid = _approved_client(cur)
    rid = _template(db, cid, [(_sku(cur, "15"), 1)], next_order_on=ANCHOR, enabled=False)
    result = rec.generate_due(db, acting("Test CSR"), ANCHOR)
    assert rid not in set(result.orders["Recurring Order"]) and rid not in set(result.skipped["Recurring Order"])
    rec.set_enabled(db, cid, True, acting("Test CSR"), today=ANCHOR)
    assert rid in set(rec.generate_due(db, acting("Test CSR"), ANCHOR).orders["Recurring Order"])


def test_preview_shows_what_a_run_will_do_and_writes_nothing(db, cur):
    before = _orders_count(cur)
    cur.execute("UPDATE clients SET registration_status = 'Pending Verification' WHERE client_id = (SELECT min(client_id) "
                "FROM recurring_orders WHERE enabled AND next_order_on <= DATE '2026-12-10')")
    plan = rec.preview_due(cur, MANAGER_PERSON, D(2026, 12, 10))
    assert _orders_count(cur) == before
    result = rec.generate_due(db, acting("Test CSR"), D(2026, 12, 10))
    assert int(plan["Orders"].sum()) == len(result.orders)
    assert set(plan["Client"]) == set(result.orders["Client"]) | set(result.skipped["Client"])
    assert int(plan["Skipped"].sum()) == len(result.skipped) > 0
    assert set(plan[plan["Skipped"]]["Client"]) == set(result.skipped["Client"])


# --------------------------------------------------------------------------- index


def test_index_filters_and_due_count(db, cur):
    total = fetch_value(cur, "SELECT count(*) FROM recurring_orders")
    enabled = fetch_value(cur, "SELECT count(*) FROM recurring_orders WHERE enabled")
    page = rec.list_templates(cur, rec.TemplateQuery(today=ANCHOR), MANAGER_PERSON)
    assert page.total == total and list(page.rows.columns[2:]) == rec.TEMPLATE_COLUMNS
    assert rec.list_templates(cur, rec.TemplateQuery(status="Enabled", today=ANCHOR), MANAGER_PERSON).total == enabled
    assert rec.list_templates(cur, rec.TemplateQuery(status="Disabled", today=ANCHOR), MANAGER_PERSON).total == total - enabled
    week = rec.list_templates(cur, rec.TemplateQuery(due_this_week=True, today=ANCHOR), MANAGER_PERSON)
    assert week.total == rec.count_due(cur, ANCHOR)
    assert all(d < ANCHOR + dt.timedelta(days=7) for d in week.rows["Next Order On"])
    name = page.rows["Client"].iloc[0]
    found = rec.list_templates(cur, rec.TemplateQuery(search=name.split()[0].upper(), today=ANCHOR), MANAGER_PERSON)
    assert name in set(found.rows["Client"])
    assert rec.list_templates(cur, rec.TemplateQuery(search="'; DROP TABLE orders; --", today=ANCHOR), MANAGER_PERSON).total == 0
    with pytest.raises(ValueError, match="Unknown filter"):
        rec.list_templates(cur, rec.TemplateQuery(status="Maybe"), MANAGER_PERSON)


# --------------------------------------------------------------------------- command line


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orders_core.cli", "recurring", "run", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_generates_once_and_says_so(db_path):
    out = _cli("--as-of", "2026-12-10", "--db", str(db_path), "--as", "csr@demo.example")
    assert out.returncode == 0, out.stderr
    assert "orders generated from" in out.stdout and out.stdout.startswith("2026-12-10: ")
    again = _cli("--as-of", "2026-12-10", "--db", str(db_path), "--as", "CSR@demo.example")
    assert again.returncode == 0 and again.stdout.startswith("2026-12-10: 0 orders generated")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM recurring_generations WHERE generated_by = 'Isabelle Roy' "
                           "AND generated_by_email = 'csr@demo.example'").fetchall()[0][0] > 0
    finally:
        con.close()


@pytest.mark.postgresql
def test_cli_on_postgresql_generates_once_beside_the_app_servers_daily_jobs(pg_demo_db):
    """``--db postgresql://...``: the command runs beside app servers (nothing holds the database); a daily
    job of an app server run afterwards the same day finds the period generated and makes nothing."""
    from orders_core.recurring import job as recurring_job

    url, cur = pg_demo_db.url, pg_demo_db.cursor()
    dry = _cli("--as-of", "2026-12-10", "--db", url, "--as", "csr@demo.example", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    expected = int(rec.preview_due(cur, MANAGER_PERSON, D(2026, 12, 10))["Orders"].sum())
    assert expected > 0 and "Generate" in dry.stdout
    before = _orders_count(cur)
    out = _cli("--as-of", "2026-12-10", "--db", url, "--as", "csr@demo.example")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"2026-12-10: {expected:,} orders generated from ")
    assert fetch_value(cur, "SELECT count(*) FROM orders o JOIN recurring_generated_orders g USING (order_id) "
                            "WHERE o.created_at::DATE = ? AND o.source = 'Recurring'", [D(2026, 12, 10)]) == expected
    assert fetch_value(cur, "SELECT count(*) FROM recurring_generations WHERE generated_by = 'Isabelle Roy' "
                            "AND generated_by_email = 'csr@demo.example'") > 0
    again = _cli("--as-of", "2026-12-10", "--db", url, "--as", "csr@demo.example")
    assert again.returncode == 0 and again.stdout.startswith("2026-12-10: 0 orders generated")
    job = recurring_job.DailyJob(pg_demo_db, interval=3600)
    assert len(job.run_once(D(2026, 12, 10)).orders) == 0 and job.last_failure is None
    assert _orders_count(cur) == before + expected


@pytest.mark.parametrize("who, says", [
    (None, "Say who you are with --as EMAIL"),
    ("nobody@demo.example", "nobody@demo.example is not on the staff list"),
    ("fulfillment@demo.example", "A Fulfillment Associate may not generate due recurring orders."),
    ("admin@demo.example", "An Administrator may not generate due recurring orders."),
])
def test_cli_acts_only_as_someone_whose_role_may_generate(db_path, who, says, monkeypatch):
    monkeypatch.delenv("ORDERS_AS", raising=False)
    before = checksum(db_path)
    out = _cli("--as-of", "2026-12-10", "--db", str(db_path), *(("--as", who) if who else ()))
    assert out.returncode == 2 and out.stdout == ""
    assert says in out.stderr and out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert checksum(db_path) == before


def test_cli_refuses_in_one_sentence_while_the_app_holds_the_database(duckdb_db, db_path):
    cur = duckdb_db.cursor()
    before = _orders_count(cur)
    generations = fetch_one(cur, "SELECT count(*) FROM recurring_generations")[0]
    out = _cli("--as-of", "2026-12-10", "--db", str(db_path))
    assert out.returncode != 0
    message = out.stderr.strip()
    assert "held by the running app" in message and "nothing was changed" in message
    assert message.count(". ") == 0 and "\n" not in message and "Traceback" not in message
    assert _orders_count(cur) == before
    assert fetch_one(cur, "SELECT count(*) FROM recurring_generations")[0] == generations


def test_cli_rejects_a_bad_date(db_path):
    out = _cli("--as-of", "2026-13-40", "--db", str(db_path))
    assert out.returncode != 0 and "is not a date (YYYY-MM-DD)" in out.stderr


# --------------------------------------------------------------------------- the daily job


def test_daily_job_runs_once_per_day_and_is_off_with_the_env_switch(db, cur, monkeypatch):
    from orders_core.recurring import job as recurring_job
    from ui import session

    job = recurring_job.DailyJob(db, interval=3600)
    first = job.run_once(D(2026, 12, 10))
    assert len(first.orders) > 0 and job.last_error is None
    assert job.run_once(D(2026, 12, 10)) is None          # the same day: nothing more
    actors = set(cur.execute(
        "SELECT DISTINCT actor, actor_email FROM order_events WHERE order_id IN (SELECT unnest(?::BIGINT[]))",
        [first.order_ids]).fetchall())
    assert actors == {("Daily recurring job", "recurring-job@orders.invalid")}
    nxt = job.run_once(D(2026, 12, 11))                    # a new day: only what became due
    assert set(nxt.orders["Order ID"]).isdisjoint(first.order_ids)
    monkeypatch.setenv("ORDERS_RECURRING_JOB", "0")
    assert not recurring_job.job_enabled() and session.daily_job() is None
    monkeypatch.setenv("ORDERS_RECURRING_JOB", "1")
    assert recurring_job.job_enabled()


def test_a_failed_daily_run_is_kept_with_its_time_and_reason_until_a_run_succeeds(db, monkeypatch):
    from orders_core.recurring import job as recurring_job

    calls = []
    real = rec.generate_due

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("Conflict on update:\n  the   orders table")

    monkeypatch.setattr(rec, "generate_due", broken)
    job = recurring_job.DailyJob(db, interval=300)
    before = dt.datetime.now()
    assert job.run_once(D(2026, 12, 10)) is None
    failure = job.last_failure
    assert failure.day == D(2026, 12, 10) and before <= failure.at <= dt.datetime.now()
    assert failure.reason == "RuntimeError: Conflict on update: the orders table"  # one line
    assert job.last_error == failure.reason
    sentence = job.failure_sentence()
    assert f"failed at {failure.at:%Y-%m-%d %H:%M}: RuntimeError: Conflict on update: the orders table." in sentence
    assert "Orders due on 2026-12-10" in sentence and "every 5 minutes" in sentence
    job.run_once(D(2026, 12, 10))                           # the same day is tried again after a failure
    assert len(calls) == 2 and job.last_failure is not None
    monkeypatch.setattr(rec, "generate_due", real)
    result = job.run_once(D(2026, 12, 10))                  # the next successful run clears it
    assert result is not None and len(result.orders) > 0
    assert job.last_failure is None and job.last_error is None and job.failure_sentence() is None


def test_a_long_failure_reason_is_cut_to_one_short_line():
    from orders_core.recurring import job as recurring_job

    failure = recurring_job.JobFailure.from_exception(ValueError("x" * 5000), D(2026, 12, 10))
    assert len(failure.reason) <= len("ValueError: ") + recurring_job.MAX_REASON_CHARS
    assert failure.reason.endswith("…")
