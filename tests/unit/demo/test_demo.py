"""The demo data set: realistic, deterministic, and covering what the index must show."""

from __future__ import annotations

import datetime as dt

import pytest

from orders_core.demo.generate import generate
from orders_core.storage.database import Database
from orders_core.storage.reads import fetch_frame, fetch_value
from orders_core.storage.schema import SOURCES, STATUSES


def test_every_status_and_source_is_present(cur):
    statuses = {r[0] for r in cur.execute("SELECT DISTINCT status::VARCHAR FROM orders").fetchall()}
    sources = {r[0] for r in cur.execute("SELECT DISTINCT source::VARCHAR FROM orders").fetchall()}
    assert statuses == set(STATUSES)
    assert sources == set(SOURCES)


def test_about_ten_percent_archived_and_the_blank_cases_exist(cur):
    share = fetch_value(cur, "SELECT avg((archived_at IS NOT NULL)::INT) FROM orders")
    assert 0.06 <= share <= 0.14
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE grams IS NULL") > 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE status = 'Open' AND carrier IS NULL") > 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE status = 'Unverified' AND source <> 'Client Portal'") == 0
    assert fetch_value(cur, "SELECT count(*) FROM recurring_orders") > 0


def test_totals_match_the_lines(cur):
    bad = fetch_value(cur, """
        SELECT count(*) FROM orders o JOIN (
            SELECT order_id, sum(units * unit_price) AS subtotal, sum(line_discount) AS disc
            FROM order_lines GROUP BY order_id) l USING (order_id)
        WHERE o.subtotal <> l.subtotal OR o.line_discount_total <> l.disc
           OR o.total_due <> greatest(o.subtotal - o.line_discount_total - o.order_discount
                                      - o.coverage_amount + o.shipping_charge, 0)""")
    assert bad == 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_lines)") == 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE coverage_amount > 0") > 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE coverage_amount + order_discount + line_discount_total "
                            "> subtotal OR coverage_amount < 0") == 0, "coverage never pays more than is left to pay"


def test_shipping_dates_follow_the_lifecycle(cur):
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE status IN ('Shipped','Delivered') AND "
                            "(shipped_on IS NULL OR tracking_number IS NULL OR carrier IS NULL)") == 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE status NOT IN ('Shipped','Delivered') "
                            "AND shipped_on IS NOT NULL") == 0
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE delivered_on < shipped_on") == 0
    assert fetch_value(cur, "SELECT max(shipped_on) FROM orders") <= dt.date(2026, 11, 26)


def test_names_carry_accents_and_every_order_has_an_event(cur):
    names = fetch_frame(cur, "SELECT name FROM clients")["name"]
    assert any(ch in "".join(names) for ch in "éèêëôç")
    assert fetch_value(cur, "SELECT count(*) FROM orders WHERE order_id NOT IN "
                            "(SELECT order_id FROM order_events WHERE kind = 'created')") == 0


def test_each_history_runs_in_lifecycle_order_up_to_now_as_the_app_would_write_it(cur):
    """Created first, then each status step the order went through, in order, none after the demo's
    morning; the version counts the changes and updated_at is the last one (as lifecycle writes them)."""
    steps = ["created", "verified", "Open → Order Placed", "Order Placed → Shipped", "Shipped → Delivered",
             "Open → Cancelled", "archived"]
    rank = " ".join(f"WHEN starts_with(coalesce(nullif(kind, 'status'), '') || details, '{k}') "
                    f"OR kind = '{k}' THEN {i}" for i, k in enumerate(steps))
    out_of_order = fetch_value(cur, f"""
        SELECT count(*) FROM (
            SELECT order_id, list(CASE {rank} END ORDER BY event_at, event_id) AS r FROM order_events GROUP BY order_id)
        WHERE r <> list_sort(r) OR list_contains(r, NULL)""")
    assert out_of_order == 0
    after_now = fetch_value(cur, "SELECT count(*) FROM order_events WHERE kind <> 'archived' "
                                 "AND event_at > TIMESTAMP '2026-11-26 08:00:00'")
    assert after_now == 0
    assert fetch_value(cur, """
        SELECT count(*) FROM orders o JOIN (SELECT order_id, count(*) AS n, max(event_at) AS last
                                            FROM order_events GROUP BY order_id) e USING (order_id)
        WHERE o.version <> e.n OR o.updated_at <> e.last""") == 0
    placed = fetch_value(cur, "SELECT count(*) FROM order_events WHERE starts_with(details, 'Open → Order Placed')")
    assert placed == fetch_value(cur, "SELECT count(*) FROM orders WHERE status IN ('Order Placed', 'Shipped', 'Delivered')")


def test_same_seed_same_data(tmp_path):
    def digest(path):
        db = Database(str(path))
        generate(db.con, 300, seed=7, anchor=dt.date(2026, 1, 15))
        value = fetch_frame(db.con, "SELECT o.*, c.name FROM orders o JOIN clients c USING (client_id) ORDER BY order_id")
        db.close()
        return value.drop(columns=["updated_at"])

    assert digest(tmp_path / "a.duckdb").equals(digest(tmp_path / "b.duckdb"))


def test_demo_refuses_a_database_that_already_holds_orders(db):
    with pytest.raises(ValueError, match="already holds 2,000 orders"):
        generate(db.con, 10)
    assert fetch_value(db.cursor(), "SELECT count(*) FROM orders") == 2000
