"""PostgreSQL's kept sales per ship day (``storage.sales_days``, migration 17), which the CTLS sales report sums:
every month's report from the kept rows is the report from the orders' lines, after every kind of write that
can change it (shipping, lines, a client's province, a product's class or category), and ``check`` /
``check --recount`` over them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orders_core.reports.check import check, recount_summaries
from orders_core.reports.monthly import figures
from orders_core.reports.monthly.months import Month
from orders_core.storage import sales_days
from orders_core.storage.reads import fetch_value
from tests.people import ADMIN
from tests.unit.orders.summary_writes import every_kind_of_write

pytestmark = pytest.mark.postgresql


def _months(cur) -> list[Month]:
    return [Month(y, m) for y, m in cur.execute(
        "SELECT DISTINCT extract(year FROM shipped_on)::INT, extract(month FROM shipped_on)::INT FROM orders "
        "WHERE shipped_on IS NOT NULL ORDER BY 1, 2").fetchall()]


def _report(cur, month: Month, kept: bool) -> list[tuple]:
    span = [month.first_day, month.next_first_day]
    return sorted(cur.execute(figures.ctls_sales_sql(kept=kept), span + span).fetchall())


def _kept_exactly(cur) -> None:
    """Every month's CTLS sales from the kept rows equal those from the lines, and ``check`` finds nothing."""
    months = _months(cur)
    assert len(months) > 12
    for month in months:
        assert _report(cur, month, kept=True) == _report(cur, month, kept=False), month
    assert not [b for b in check(cur) if b.check == sales_days.TABLE]


def _shipped_order(cur, lines: int) -> int:
    return fetch_value(cur, "SELECT o.order_id FROM orders o WHERE o.status = 'Shipped' AND o.shipped_on IS NOT NULL "
                            "AND (SELECT count(*) FROM order_lines l WHERE l.order_id = o.order_id) = ? "
                            "ORDER BY o.order_id LIMIT 1", [lines])


def _sku(cur, category: str, other_than: str = "") -> str:
    return fetch_value(cur, "SELECT sku FROM products WHERE category = ? AND sku <> ? AND is_cannabis ORDER BY sku "
                            "LIMIT 1", [category, other_than])


@pytest.mark.breaches_on_purpose  # lines, clients and products changed past the rules the orders module keeps
def test_the_report_from_the_kept_sales_is_the_report_from_the_lines_after_every_write(pg_demo_db):
    db, cur = pg_demo_db, pg_demo_db.cursor()
    _kept_exactly(cur)
    every_kind_of_write(db, lambda: _kept_exactly(cur))  # inserts, statuses, archiving, carriers, a delete

    one, two = _shipped_order(cur, 1), _shipped_order(cur, 2)
    flower = _sku(cur, "Dried flower")
    other_flower = _sku(cur, "Dried flower", other_than=flower)
    oil = _sku(cur, "Oil")
    client = fetch_value(cur, "SELECT client_id FROM orders WHERE order_id = ?", [one])
    province = fetch_value(cur, "SELECT province FROM clients WHERE client_id = ?", [client])
    steps = [
        # two SKUs of one category in one order count one order in that category
        ("INSERT INTO order_lines VALUES (?, 7, ?, 2, 9.50, 0.25), (?, 8, ?, 1, 4.00, 0)",
         [one, flower, one, other_flower]),
        ("UPDATE order_lines SET units = units + 3, line_discount = 1.10 WHERE order_id = ? AND line_no = 7", [one]),
        ("UPDATE order_lines SET sku = ? WHERE order_id = ? AND line_no = 8", [oil, one]),  # another category
        ("DELETE FROM order_lines WHERE order_id = ? AND line_no IN (7, 8)", [one]),
        ("UPDATE orders SET shipped_on = shipped_on - 40 WHERE order_id = ?", [two]),  # another month
        ("UPDATE orders SET status = 'Cancelled' WHERE order_id = ?", [two]),  # no longer a sale
        ("UPDATE orders SET status = 'Shipped' WHERE order_id = ?", [two]),
        ("UPDATE orders SET client_id = (SELECT min(client_id) FROM clients WHERE province <> ?) WHERE order_id = ?",
         [province, one]),
        ("UPDATE clients SET province = CASE WHEN province = 'YT' THEN 'NU' ELSE 'YT' END WHERE client_id = "
         "(SELECT client_id FROM orders WHERE order_id = ?)", [two]),
        ("UPDATE products SET net_content = net_content + 1 WHERE sku = ?", [flower]),  # sold: counted afresh
        ("UPDATE products SET category = 'Oil' WHERE sku = ?", [other_flower]),
        ("INSERT INTO product_classes VALUES (?, 'extract for inhalation')", [flower]),
        ("UPDATE product_classes SET regulatory_class = 'topical' WHERE sku = ?", [flower]),
        ("DELETE FROM product_classes WHERE sku = ?", [flower]),
        ("UPDATE products SET is_cannabis = false WHERE sku = ?", [oil]),
        ("INSERT INTO products SELECT 'NEVER-SOLD', name, brand, category, is_cannabis, net_content, net_unit, "
         "dried_equiv_grams, unit_price, lot_number, bin_location, active FROM products WHERE sku = ?", [flower]),
        ("INSERT INTO product_classes VALUES ('NEVER-SOLD', 'dried')", []),  # never shipped: nothing to count
    ]
    for sql, params in steps:
        db.write(lambda c, sql=sql, params=params: c.execute(sql, params))
        _kept_exactly(cur)

    def ship_new_order(c) -> None:  # an order made shipped, then its lines, in one transaction (an import)
        c.execute("CREATE TEMP TABLE copy ON COMMIT DROP AS SELECT * FROM orders WHERE order_id = ?", [two])
        c.execute("UPDATE copy SET order_id = 90000001, shipped_on = DATE '2026-01-31'")
        c.execute("INSERT INTO orders SELECT * FROM copy")
        c.execute("INSERT INTO order_lines SELECT 90000001, line_no, sku, units, unit_price, line_discount "
                  "FROM order_lines WHERE order_id = ?", [two])

    db.write(ship_new_order)
    _kept_exactly(cur)
    january = _report(cur, Month(2026, 1), kept=True)
    assert sum(row[2] for row in january) > 0

    def refused(c) -> None:
        c.execute("UPDATE orders SET status = 'Cancelled' WHERE shipped_on >= DATE '2026-01-01'")
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        db.write(refused)
    assert _report(cur, Month(2026, 1), kept=True) == january

    def undo(c) -> None:  # the fixture's check wants the demo's rules kept
        c.execute("DELETE FROM order_lines WHERE order_id = 90000001")
        c.execute("DELETE FROM orders WHERE order_id = 90000001")

    db.write(undo)
    _kept_exactly(cur)


def test_a_shipped_order_is_in_its_month_on_the_day_it_shipped(pg_demo_db):
    """Independently of the report's SQL: an order shipped on the month's last day adds its lines' units and
    value to that month's row of its province and category."""
    db, cur = pg_demo_db, pg_demo_db.cursor()
    order = fetch_value(cur, "SELECT order_id FROM orders WHERE status = 'Open' ORDER BY order_id LIMIT 1")
    province = fetch_value(cur, "SELECT c.province FROM orders o JOIN clients c USING (client_id) WHERE o.order_id = ?",
                           [order])
    flower = _sku(cur, "Dried flower")
    db.write(lambda c: c.execute("INSERT INTO order_lines VALUES (?, 9, ?, 3, 10.00, 0.50)", [order, flower]))
    month = Month(2026, 2)

    def dried(rows):
        return next((r for r in rows if r[0] == province and r[1] == "Dried"), (province, "Dried", 0, 0, 0, 0))

    before = dried(_report(cur, month, kept=True))
    db.write(lambda c: c.execute("UPDATE orders SET status = 'Shipped', shipped_on = ? WHERE order_id = ?",
                                 [dt.date(2026, 2, 28), order]))
    after = dried(_report(cur, month, kept=True))
    units = fetch_value(cur, "SELECT sum(l.units) FROM order_lines l JOIN products p USING (sku) "
                             "WHERE l.order_id = ? AND p.category IN ('Dried flower', 'Pre-rolls')", [order])
    assert after[2] - before[2] == units >= 3
    assert after[5] - before[5] == 1  # one more order, however many dried lines it has
    assert Decimal(after[4]) - Decimal(before[4]) >= Decimal("29.50")
    db.write(lambda c: c.execute("UPDATE orders SET status = 'Open', shipped_on = NULL WHERE order_id = ?", [order]))
    db.write(lambda c: c.execute("DELETE FROM order_lines WHERE order_id = ? AND line_no = 9", [order]))
    assert dried(_report(cur, month, kept=True)) == before


@pytest.mark.breaches_on_purpose
def test_kept_sales_written_past_their_triggers_are_found_by_check_and_recounted(pg_demo_db):
    cur = pg_demo_db.cursor()
    order = _shipped_order(cur, 1)

    def past_the_triggers(c):
        c.execute("ALTER TABLE order_lines DISABLE TRIGGER sales_days_order_lines_update")
        c.execute("UPDATE order_lines SET units = units + 5 WHERE order_id = ?", [order])
        c.execute("ALTER TABLE order_lines ENABLE TRIGGER sales_days_order_lines_update")

    pg_demo_db.write(past_the_triggers)
    found = [b.sentence for b in check(cur) if b.check == sales_days.TABLE]
    assert len(found) == 1 and "(sales_days) but the orders hold" in found[0]
    recount_summaries(cur, ADMIN)
    assert not [b for b in check(cur) if b.check == sales_days.TABLE]
    _kept_exactly(cur)
